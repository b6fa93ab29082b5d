// Ctrl-C: the handler only sets a flag. Long operations (HTTP transfers, polls,
// streams) check it and unwind as an ExitCode::interrupted error, so files are
// closed and nothing is left half-written; main() then exits 130.
#pragma once

namespace callctl::util {

// Why the run was asked to stop (the first request wins).
enum class StopReason {
    none,
    sigint,         // Ctrl-C
    sigterm,        // kill, a service manager, a CI timeout
    output_closed,  // a write to stdout failed with EPIPE
    output_failed,  // a write to stdout failed otherwise
};

void install_interrupt_handler();
bool interrupted();
StopReason stop_reason();
void request_stop(StopReason reason);
// Tests and batch loops: pretend Ctrl-C was pressed (or clear it).
void set_interrupted(bool value);

}  // namespace callctl::util
