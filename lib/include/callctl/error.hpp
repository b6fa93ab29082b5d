// Errors are values inside the library. Each carries the exit code it becomes
// at the edge (cli/app.cpp's run()), so that mapping lives in exactly one
// table: EXIT STATUS in callctl(1), mirrored by ExitCode below.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace callctl {

enum class ExitCode : int {
    ok = 0,
    internal = 1,             // a bug
    usage = 2,                // unknown option, missing or invalid argument
    bad_input = 3,            // unreadable or malformed file, config, payload or address
    network = 4,              // network or TLS failure, or timeout
    auth = 5,                 // no token available, or HTTP 401/403
    http_client = 6,          // other HTTP 4xx
    http_server = 7,          // HTTP 5xx, after retries
    graphql = 8,              // GraphQL `errors` in the response
    push_crypto = 9,          // push not decryptable, or signature mismatch
    wait_timeout = 10,        // --wait-for timed out
    expectation_failed = 11,  // run: a step's expectation failed
    output_failed = 12,       // output could not be written (disk full, I/O error)
    interrupted = 130,        // SIGINT
    broken_pipe = 141,        // stdout's reader went away (EPIPE): stopped quietly
    terminated = 143,         // SIGTERM, after a clean stop
};

constexpr int to_int(ExitCode code) { return static_cast<int>(code); }

// Orders exit codes by how bad they are, for commands that report the worst of
// several outcomes (call-log over many ids, decode-push --stream).
ExitCode worst_of(ExitCode a, ExitCode b);

// Why a Result holds no value. Almost always a failure; the one exception is
// --dry-run, whose first request is recorded (run() prints it as a curl
// command line) instead of sent: the command cannot go on without the answer,
// so it unwinds the way failures do, but it is not one. run() exits 0 for it
// and prints nothing; is_dry_run() is what tells them apart, never the code.
enum class ErrorKind { failure, dry_run };

struct Error {
    ExitCode code = ExitCode::internal;
    std::string message;  // one line, no "callctl: error:" prefix
    std::string hint;     // optional line telling the user what to do
    // Further error lines (e.g. one per GraphQL error), printed after
    // `message`, each as its own "callctl: error:" line, before the hint.
    std::vector<std::string> more;
    ErrorKind kind = ErrorKind::failure;

    bool is_dry_run() const { return kind == ErrorKind::dry_run; }
};

inline Error make_error(ExitCode code, std::string message, std::string hint = {}) {
    return Error{code, std::move(message), std::move(hint), {}, ErrorKind::failure};
}

// The --dry-run stop: `what` (e.g. "create the call") was not sent.
inline Error dry_run_stop(std::string what) {
    return Error{ExitCode::ok, "dry run: " + std::move(what) + " not sent", {}, {}, ErrorKind::dry_run};
}

// The Error for work that stopped because util::interrupted() became true:
// "interrupted: <what>" (130) after SIGINT, "terminated: <what>" (143) after
// SIGTERM, 141 or 12 when stdout failed (run() prints nothing more for 141).
Error stopped_error(std::string_view what);

// A minimal std::expected (C++23) for C++20: either a value or an error.
template <class T, class E = Error>
class [[nodiscard]] Expected {
public:
    Expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Expected(E error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit by design

    bool has_value() const { return state_.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    E& error() & { return std::get<1>(state_); }
    const E& error() const& { return std::get<1>(state_); }
    E&& error() && { return std::get<1>(std::move(state_)); }

private:
    std::variant<T, E> state_;
};

template <class E>
class [[nodiscard]] Expected<void, E> {
public:
    Expected() = default;
    Expected(E error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design

    bool has_value() const { return !failed_; }
    explicit operator bool() const { return has_value(); }
    E& error() & { return error_; }
    const E& error() const& { return error_; }
    E&& error() && { return std::move(error_); }

private:
    E error_{};
    bool failed_ = false;
};

template <class T>
using Result = Expected<T, Error>;
using Status = Expected<void, Error>;

}  // namespace callctl
