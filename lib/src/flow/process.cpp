#include "callctl/flow/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

namespace callctl::flow {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A file descriptor closed on destruction.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(other.release()) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }

    int get() const { return fd_; }
    bool open() const { return fd_ >= 0; }
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

struct Pipe {
    Fd read, write;
};

Result<Pipe> make_pipe() {
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
        return make_error(ExitCode::internal, fmt::format("cannot create a pipe: {}", std::strerror(errno)));
    }
    return Pipe{Fd(fds[0]), Fd(fds[1])};
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// posix_spawn's attributes and file actions, destroyed on every path.
struct SpawnSetup {
    posix_spawnattr_t attr{};
    posix_spawn_file_actions_t actions{};
    SpawnSetup() {
        posix_spawnattr_init(&attr);
        posix_spawn_file_actions_init(&actions);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
};

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));  // posix_spawn's signature; not written
    out.push_back(nullptr);
    return out;
}

// Reads what is there; false at end of file (or a hard error).
bool drain(int fd, std::string& into, bool& truncated, std::size_t limit) {
    std::array<char, 65536> chunk{};
    for (;;) {
        const ssize_t got = ::read(fd, chunk.data(), chunk.size());
        if (got > 0) {
            const auto size = static_cast<std::size_t>(got);
            const std::size_t room = into.size() < limit ? limit - into.size() : 0;
            into.append(chunk.data(), std::min(size, room));
            if (size > room) truncated = true;
            continue;
        }
        if (got == 0) return false;
        if (errno == EINTR) continue;
        return errno == EAGAIN;  // EWOULDBLOCK is the same value on Linux
    }
}

// write(2) to the child's stdin without SIGPIPE, whether or not the caller
// ignores it (callctl does; a test binary may not): blocked for the call, and
// the one a closed pipe raised taken back.
ssize_t write_quietly(int fd, const char* data, std::size_t size) {
    sigset_t pipe_signal, old;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, &old);
    const ssize_t n = ::write(fd, data, size);
    const int error = errno;
    if (n < 0 && error == EPIPE) {
        const timespec now{0, 0};
        sigtimedwait(&pipe_signal, nullptr, &now);
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    errno = error;
    return n;
}

int exit_code_of(int status) {
    if (status == -1) return -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

Result<ProcessResult> run_process(const ProcessSpec& spec, const StopCheck& stop_signal) {
    auto out_pipe = make_pipe();
    if (!out_pipe) return out_pipe.error();
    auto err_pipe = make_pipe();
    if (!err_pipe) return err_pipe.error();
    std::optional<Pipe> in_pipe;
    if (spec.stdin_text) {
        auto made = make_pipe();
        if (!made) return made.error();
        in_pipe = std::move(*made);
    }

    SpawnSetup setup;
    // dup2 clears FD_CLOEXEC on the copies; the originals close at exec.
    posix_spawn_file_actions_adddup2(&setup.actions, out_pipe->write.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&setup.actions, err_pipe->write.get(), STDERR_FILENO);
    if (in_pipe) posix_spawn_file_actions_adddup2(&setup.actions, in_pipe->read.get(), STDIN_FILENO);
    else posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    // The child starts as a fresh process would: no blocked signals, default
    // dispositions (we ignore SIGPIPE, and that would be inherited), and its
    // own process group so that a kill reaches whatever it starts.
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGXFSZ, SIGQUIT, SIGHUP}) sigaddset(&defaults, sig);
    posix_spawnattr_setsigmask(&setup.attr, &none);
    posix_spawnattr_setsigdefault(&setup.attr, &defaults);
    posix_spawnattr_setpgroup(&setup.attr, 0);
    posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

    auto argv = c_strings(spec.argv);
    auto envp = c_strings(spec.environment);
    const auto start = Clock::now();
    pid_t pid = -1;
    if (const int failed = ::posix_spawn(&pid, spec.program.c_str(), &setup.actions, &setup.attr, argv.data(), envp.data());
        failed != 0) {
        return make_error(ExitCode::internal, fmt::format("cannot run {}: {}", spec.program, std::strerror(failed)));
    }
    out_pipe->write.reset();
    err_pipe->write.reset();
    Fd stdin_write;
    if (in_pipe) {
        in_pipe->read.reset();
        stdin_write = std::move(in_pipe->write);
        set_nonblocking(stdin_write.get());
    }
    Fd out = std::move(out_pipe->read);
    Fd err = std::move(err_pipe->read);
    set_nonblocking(out.get());
    set_nonblocking(err.get());

    ProcessResult result;
    std::size_t written = 0;
    const std::string_view input = spec.stdin_text ? std::string_view(*spec.stdin_text) : std::string_view();
    if (stdin_write.open() && input.empty()) stdin_write.reset();
    const auto deadline = start + spec.timeout;
    std::optional<Clock::time_point> kill_at;     // SIGKILL then, after a SIGTERM
    std::optional<Clock::time_point> reaped_at;   // the child is gone; its pipes may not be
    int status = 0;

    for (;;) {
        const auto now = Clock::now();
        if (!reaped_at) {
            // Ask the child to stop: our own stop first (passed on as it came), then the timeout.
            if (result.forwarded_signal == 0 && !result.timed_out) {
                if (const int sig = stop_signal ? stop_signal() : 0; sig != 0) {
                    result.forwarded_signal = sig;
                    ::kill(-pid, sig);
                    kill_at = now + spec.kill_grace;
                } else if (now >= deadline) {
                    result.timed_out = true;
                    ::kill(-pid, SIGTERM);
                    kill_at = now + spec.kill_grace;
                }
            }
            if (kill_at && now >= *kill_at) {
                ::kill(-pid, SIGKILL);
                kill_at.reset();
            }
            const pid_t done = ::waitpid(pid, &status, WNOHANG);
            if (done == pid) {
                reaped_at = now;
            } else if (done < 0 && errno == ECHILD) {
                // SIGCHLD ignored (inherited that way across exec): the
                // kernel reaped it, and its exit status is lost.
                reaped_at = now;
                status = -1;
            }
        } else if (now - *reaped_at > milliseconds(1000) && (out.open() || err.open())) {
            // Something the child started keeps the pipes open: the step is
            // over, and its process group goes with it.
            ::kill(-pid, SIGKILL);
            break;
        }
        if (reaped_at && !out.open() && !err.open()) break;

        std::array<pollfd, 3> fds{};
        nfds_t count = 0;
        std::array<Fd*, 3> owners{};
        for (Fd* fd : {&out, &err, &stdin_write}) {
            if (!fd->open()) continue;
            fds[count] = pollfd{fd->get(), static_cast<short>(fd == &stdin_write ? POLLOUT : POLLIN), 0};
            owners[count++] = fd;
        }
        // Wake for the deadline, the SIGKILL, a stop request (every 100 ms at
        // most), or, with the pipes closed, soon: the child exits a moment
        // after it closes them.
        milliseconds slice = count == 0 && !reaped_at ? milliseconds(2) : milliseconds(100);
        auto until = [&](Clock::time_point when) {
            slice = std::min(slice, std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(when - now)));
        };
        if (!reaped_at && !result.timed_out && result.forwarded_signal == 0) until(deadline);
        if (!reaped_at && kill_at) until(*kill_at);
        if (count == 0) {
            std::this_thread::sleep_for(slice);
            continue;
        }
        const int ready = ::poll(fds.data(), count, static_cast<int>(slice.count()));
        if (ready < 0 && errno != EINTR) break;
        for (nfds_t i = 0; ready > 0 && i < count; ++i) {
            if (fds[i].revents == 0) continue;
            Fd& fd = *owners[i];
            if (&fd == &stdin_write) {
                const ssize_t n = write_quietly(fd.get(), input.data() + written, input.size() - written);
                if (n > 0) written += static_cast<std::size_t>(n);
                // Done, or the child closed its stdin (EPIPE).
                if (written == input.size() || (n < 0 && errno != EAGAIN && errno != EINTR)) fd.reset();
            } else if (&fd == &out) {
                if (!drain(fd.get(), result.out, result.out_truncated, spec.max_output)) fd.reset();
            } else if (!drain(fd.get(), result.err, result.err_truncated, spec.max_output)) {
                fd.reset();
            }
        }
    }
    if (!reaped_at) {  // only after a poll failure: do not leave it running
        ::kill(-pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    result.exit_code = exit_code_of(status);
    result.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    return result;
}

}  // namespace callctl::flow
