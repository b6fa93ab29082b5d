// Stopping early. The signal handlers only set a flag; so does the printer
// when stdout fails. Long operations (HTTP transfers, polls, streams, batch
// loops) check interrupted() and unwind as an error (stopped_error() in
// error.hpp), so files are closed and nothing is left half-written; run()
// then exits 130 (SIGINT), 143 (SIGTERM), 141 (stdout's reader went away) or
// 12 (stdout could not be written).
#pragma once

namespace callctl::util {

enum class StopReason {
    none,
    sigint,         // Ctrl-C
    sigterm,        // kill, a service manager, a CI timeout
    output_closed,  // a write to stdout failed with EPIPE (`callctl ... | head -1`)
    output_failed,  // a write to stdout failed otherwise (disk full, I/O error)
};

// SIGINT and SIGTERM set the stop flag; SIGPIPE and SIGXFSZ are ignored, so a
// closed pipe or a file-size limit is an error from write(2) (EPIPE, EFBIG),
// not a kill.
void install_interrupt_handler();
// True once any stop was requested (either signal, or a failed stdout).
bool interrupted();
// The first stop requested (later ones do not replace it), or none.
StopReason stop_reason();
// Asks every long loop to stop, for `reason` (the printer, tests).
void request_stop(StopReason reason);
// Tests and batch loops: pretend Ctrl-C was pressed (or clear any stop).
void set_interrupted(bool value);

}  // namespace callctl::util
