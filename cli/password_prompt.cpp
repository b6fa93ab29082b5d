#include "password_prompt.hpp"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "callctl/util/interrupt.hpp"

namespace callctl::cli {

namespace {

constexpr std::size_t max_password_bytes = 4096;
constexpr int poll_interval_ms = 100;

// Echo off for its lifetime. ECHONL stays on, so Enter still moves the
// cursor to the next line. The destructor restores the saved modes however
// the read ends (a line, end of input, Ctrl-C, an error).
class EchoOff {
public:
    explicit EchoOff(int fd) : fd_(fd) {
        if (::tcgetattr(fd_, &saved_) != 0) return;
        termios quiet = saved_;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHOE | ECHOK);
        quiet.c_lflag |= ECHONL;
        active_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
    }
    ~EchoOff() {
        if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;
    bool active() const { return active_; }

private:
    int fd_;
    termios saved_{};
    bool active_ = false;
};

// The prompt goes to the terminal itself, so that it shows even when stderr
// is redirected; stderr when there is no controlling terminal to open.
void show(int tty, std::string_view text) {
    const int fd = tty >= 0 ? tty : STDERR_FILENO;
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

Result<std::string> read_password(std::string_view prompt, std::string_view hint) {
    if (::isatty(STDIN_FILENO) != 1) {
        return make_error(ExitCode::auth, "no password given, and standard input is not a terminal to ask on",
                          std::string(hint));
    }
    const int tty = ::open("/dev/tty", O_WRONLY | O_NOCTTY | O_CLOEXEC);

    std::string password;
    Status outcome;
    bool at_newline = false;
    {
        const EchoOff echo_off(STDIN_FILENO);
        if (!echo_off.active()) {
            outcome = make_error(ExitCode::auth, fmt::format("cannot turn off echo on the terminal: {}", std::strerror(errno)),
                                 std::string(hint));
        } else {
            show(tty, prompt);  // only now, so that nothing typed in answer to it is echoed
        }
        // One byte at a time: nothing after the newline is consumed. A signal
        // (the interrupt handler sets a flag, without SA_RESTART) ends a wait
        // with EINTR; one that came before the wait began (Ctrl-C typed
        // before echo was off) is seen within a poll interval.
        while (outcome) {
            if (util::interrupted()) {
                outcome = make_error(ExitCode::interrupted, "interrupted");
                break;
            }
            pollfd input{STDIN_FILENO, POLLIN, 0};
            const int ready = ::poll(&input, 1, poll_interval_ms);
            if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
            char c = 0;
            const ssize_t n = ::read(STDIN_FILENO, &c, 1);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                outcome = make_error(ExitCode::bad_input, fmt::format("cannot read the password: {}", std::strerror(errno)));
                break;
            }
            if (n == 0) break;
            if (c == '\n') {
                at_newline = true;
                break;
            }
            if (password.size() >= max_password_bytes) {
                outcome = make_error(ExitCode::usage, fmt::format("the password is longer than {} bytes", max_password_bytes));
                break;
            }
            password += c;
        }
    }
    // Echo is back on. Ctrl-C or end of input left the cursor after the
    // prompt (ECHONL only echoes a newline that was typed): end the line.
    if (!at_newline) show(tty, "\n");
    if (tty >= 0) ::close(tty);
    if (!outcome) return outcome.error();
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (password.empty()) return make_error(ExitCode::auth, "no password given (an empty line)", std::string(hint));
    return password;
}

}  // namespace callctl::cli
