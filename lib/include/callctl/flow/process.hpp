// One child process, run to its end with its output captured: what a `run`
// step is. stdout and stderr are read as they come (poll(2), so neither pipe
// can fill up and stall the child) and kept up to a bound; the child gets its
// own process group, so a timeout or a forwarded signal reaches everything it
// started.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "callctl/error.hpp"

namespace callctl::flow {

struct ProcessSpec {
    std::string program;                    // what to execute (e.g. /proc/self/exe)
    std::vector<std::string> argv;          // argv[0] included
    std::vector<std::string> environment;   // "NAME=value", the child's whole environment
    std::optional<std::string> stdin_text;  // nullopt: /dev/null
    std::chrono::milliseconds timeout{60000};
    // After SIGTERM (timeout or a forwarded stop), SIGKILL follows this late.
    std::chrono::milliseconds kill_grace{3000};
    std::size_t max_output = std::size_t{16} << 20;  // per stream; the rest is read and dropped
};

struct ProcessResult {
    int exit_code = -1;       // the exit status, or 128 + the signal that ended it (as a shell reports it); -1: unknown
    bool timed_out = false;   // killed at `timeout`
    int forwarded_signal = 0; // SIGINT/SIGTERM passed on because we were asked to stop
    std::string out;
    std::string err;
    bool out_truncated = false;
    bool err_truncated = false;
    std::chrono::milliseconds elapsed{0};
};

// Returns 0, or the signal to pass on to the child (checked while it runs).
using StopCheck = std::function<int()>;

// Runs the process to its end. Only a failure to start it is an error
// (ExitCode::internal); how the child ended is in the result.
Result<ProcessResult> run_process(const ProcessSpec& spec, const StopCheck& stop_signal);

}  // namespace callctl::flow
