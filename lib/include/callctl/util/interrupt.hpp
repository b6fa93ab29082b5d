// Ctrl-C: the handler only sets a flag. Long operations (HTTP transfers, polls,
// streams) check it and unwind as an ExitCode::interrupted error, so files are
// closed and nothing is left half-written; main() then exits 130.
#pragma once

namespace callctl::util {

enum class StopReason {
    none,
    sigint,         // Ctrl-C
    sigterm,        // kill, a service manager, a CI timeout
    output_closed,  // a write to stdout failed with EPIPE (`callctl ... | head -1`)
    output_failed,  // a write to stdout failed otherwise (disk full, I/O error)
};

void install_interrupt_handler();
bool interrupted();
// The first stop requested (later ones do not replace it), or none.
StopReason stop_reason();
// Tests and batch loops: pretend Ctrl-C was pressed (or clear it).
void set_interrupted(bool value);

}  // namespace callctl::util
