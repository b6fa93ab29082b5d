// Ctrl-C: the handler only sets a flag. Long operations (HTTP transfers, polls,
// streams) check it and unwind as an ExitCode::interrupted error, so files are
// closed and nothing is left half-written; main() then exits 130.
#pragma once

namespace callctl::util {

void install_interrupt_handler();
bool interrupted();
// Tests and batch loops: pretend Ctrl-C was pressed (or clear it).
void set_interrupted(bool value);

}  // namespace callctl::util
