#include "callctl/output/terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace callctl::output {

Terminal detect_terminal(bool no_color, const config::Environment& env) {
    Terminal terminal;
    terminal.stdout_tty = ::isatty(STDOUT_FILENO) == 1;
    const bool stderr_tty = ::isatty(STDERR_FILENO) == 1;

    if (terminal.stdout_tty) {
        winsize size{};
        if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) terminal.width = size.ws_col;
    }
    if (terminal.width == 0) {
        // COLUMNS lets a user (or a test) fix the width of a table.
        if (auto columns = env("COLUMNS")) {
            const long value = std::strtol(columns->c_str(), nullptr, 10);
            if (value > 0) terminal.width = static_cast<std::size_t>(value);
        } else if (terminal.stdout_tty) {
            terminal.width = 80;
        }
    }

    const bool dumb = env("TERM").value_or("") == "dumb";
    const bool forced = env("CLICOLOR_FORCE").value_or("0") != "0";
    if (!no_color) {
        terminal.color = forced || (terminal.stdout_tty && !dumb);
        terminal.stderr_color = forced || (stderr_tty && !dumb);
    }
    return terminal;
}

config::OutputFormat effective_format(config::OutputFormat requested, const Terminal& terminal) {
    if (requested != config::OutputFormat::auto_detect) return requested;
    return terminal.stdout_tty ? config::OutputFormat::table : config::OutputFormat::json;
}

}  // namespace callctl::output
