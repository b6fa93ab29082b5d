// What the terminal allows: TTY or pipe, width, colour (NO_COLOR,
// CLICOLOR_FORCE, TERM=dumb as ninja's line_printer honours them).
#pragma once

#include <cstddef>

#include "callctl/config/settings.hpp"

namespace callctl::output {

struct Terminal {
    bool stdout_tty = false;
    std::size_t width = 0;      // 0: unknown/unlimited (pipes)
    bool color = false;         // for stdout
    bool stderr_color = false;  // for `callctl: error:` (cli Context::stderr_color)
};

Terminal detect_terminal(bool no_color, const config::Environment& env);

// auto -> table on a terminal, JSON otherwise.
config::OutputFormat effective_format(config::OutputFormat requested, const Terminal& terminal);

}  // namespace callctl::output
