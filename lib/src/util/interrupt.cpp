#include "callctl/util/interrupt.hpp"

#include <csignal>

namespace callctl::util {

namespace {
// A StopReason, written by the signal handler: sig_atomic_t is what a
// handler may write, and a compare-and-set would not be async-signal-safe
// portably; the handler only writes when nothing was recorded yet.
volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_signal(int signal) {
    if (g_stop == 0) g_stop = static_cast<std::sig_atomic_t>(signal == SIGTERM ? StopReason::sigterm : StopReason::sigint);
}
}  // namespace

void install_interrupt_handler() {
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: a blocking read returns EINTR and we notice
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);  // a closed pipe is an EPIPE write error, not a kill
    std::signal(SIGXFSZ, SIG_IGN);  // `ulimit -f`: an EFBIG write error, not a kill (and no core)
}

bool interrupted() { return g_stop != 0; }

StopReason stop_reason() { return static_cast<StopReason>(g_stop); }

void request_stop(StopReason reason) {
    if (g_stop == 0) g_stop = static_cast<std::sig_atomic_t>(reason);
}

void set_interrupted(bool value) { g_stop = static_cast<std::sig_atomic_t>(value ? StopReason::sigint : StopReason::none); }

}  // namespace callctl::util
