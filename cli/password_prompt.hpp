// Reading a password from the person at the terminal, without echo. Only when
// standard input is a terminal: callctl never prompts in a pipe or a script
// (that is exit 5 with a hint naming the other ways to give it).
#pragma once

#include <string>
#include <string_view>

#include "callctl/error.hpp"

namespace callctl::cli {

// Writes `prompt` to the terminal (/dev/tty, else stderr), reads one line from
// standard input with echo off, and puts the terminal back as it was, also
// when Ctrl-C or SIGTERM arrives meanwhile (then the Error is exit 130). The
// line ends at Enter; its newline is not part of the password. `hint` is the
// hint of the error when standard input is not a terminal.
Result<std::string> read_password(std::string_view prompt, std::string_view hint);

}  // namespace callctl::cli
