#include "printer.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "callctl/output/json.hpp"
#include "callctl/util/interrupt.hpp"

namespace callctl::cli {

Printer::Printer(config::OutputFormat format, const output::Terminal& terminal, bool quiet, bool enabled)
    : format_(output::effective_format(format, terminal)),
      pretty_(terminal.stdout_tty),
      quiet_(quiet),
      enabled_(enabled),
      style_{terminal.color},
      width_(terminal.width) {}

void Printer::check_stdout() {
    if (broken_ || std::ferror(stdout) == 0) return;
    const int error = errno;
    broken_ = true;
    if (error == EPIPE) {
        // SIGPIPE is ignored, so a closed pipe is this error: nobody is left
        // to read, or to tell. Stop quietly (141).
        util::request_stop(util::StopReason::output_closed);
        return;
    }
    failure_ = make_error(ExitCode::output_failed,
                          fmt::format("cannot write the output: {}", std::strerror(error != 0 ? error : EIO)),
                          "check the free space and the file standard output goes to");
    util::request_stop(util::StopReason::output_failed);
}

void Printer::put(std::string_view bytes) {
    if (broken_ || bytes.empty()) return;
    errno = 0;
    if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size()) check_stdout();
}

void Printer::write(std::string_view bytes) {
    if (enabled_) put(bytes);
}

void Printer::json(const nlohmann::json& value) {
    const bool pretty = pretty_ && format_ != config::OutputFormat::ndjson;
    write(output::dump_json(value, pretty) + "\n");
}

void Printer::json(const nlohmann::ordered_json& value) {
    const bool pretty = pretty_ && format_ != config::OutputFormat::ndjson;
    write(output::dump_json(value, pretty) + "\n");
}

void Printer::text(std::string_view text) { write(text); }

void Printer::line(std::string_view text) {
    write(text);
    write("\n");
}

void Printer::result(const nlohmann::json& value, const std::function<std::string()>& render_table) {
    if (is_table() && render_table) {
        text(render_table());
    } else {
        json(value);
    }
}

void Printer::command_lines(const std::vector<std::string>& lines) {
    for (const auto& command : lines) {
        put(command);
        put("\n");
    }
}

void Printer::flush() {
    if (broken_) return;
    errno = 0;
    if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) check_stdout();
}

}  // namespace callctl::cli
