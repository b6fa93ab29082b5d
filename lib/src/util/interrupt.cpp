#include "callctl/util/interrupt.hpp"

#include <atomic>
#include <csignal>

namespace callctl::util {

namespace {
volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_signal(int /*signal*/) { g_interrupted = 1; }
}  // namespace

void install_interrupt_handler() {
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: a blocking read returns EINTR and we notice
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);  // a closed pipe is an EPIPE write error, not a kill
}

bool interrupted() { return g_interrupted != 0; }
void set_interrupted(bool value) { g_interrupted = value ? 1 : 0; }

}  // namespace callctl::util
