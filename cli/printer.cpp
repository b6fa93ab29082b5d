#include "printer.hpp"

#include <poll.h>
#include <unistd.h>

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
    // errno 0: the write that failed was not the Printer's (a write to stdout
    // outside it), and its errno is gone; say no more than we know.
    failure_ = make_error(ExitCode::output_failed,
                          error != 0 ? fmt::format("cannot write the output: {}", std::strerror(error))
                                     : std::string("cannot write the output"),
                          "check the free space and the file standard output goes to");
    util::request_stop(util::StopReason::output_failed);
}

void Printer::put(std::string_view bytes) {
    if (broken_ || bytes.empty()) return;
    errno = 0;
    // ferror too: a short count is not the only sign. glibc's fwrite returns
    // the full count when the flush that failed left none of this call's
    // bytes unbuffered.
    if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() || std::ferror(stdout) != 0) check_stdout();
}

void Printer::check_reader() {
    if (broken_) return;
    // A pipe whose reading end is closed polls as POLLERR on the writing end
    // (a socket whose peer is gone, POLLHUP or POLLERR): known without writing.
    pollfd out{STDOUT_FILENO, POLLOUT, 0};
    if (::poll(&out, 1, 0) != 1 || (out.revents & (POLLERR | POLLHUP)) == 0) return;
    broken_ = true;
    util::request_stop(util::StopReason::output_closed);
}

void Printer::write(std::string_view bytes) {
    if (enabled_) put(bytes);
}

template <class Json>
void Printer::filter_into(const Json& value, std::string& lines) {
    auto outputs = filter_->run(value);
    if (!outputs) {
        if (!jq_error_) jq_error_ = std::move(outputs).error();
        ++jq_failures_;
        return;
    }
    for (const auto& output : *outputs) {
        lines += output.text;
        lines += '\n';
    }
}

void Printer::append_filtered(const nlohmann::json& value, std::string& lines) { filter_into(value, lines); }
void Printer::append_filtered(const nlohmann::ordered_json& value, std::string& lines) { filter_into(value, lines); }

std::optional<Error> Printer::jq_error() const {
    if (!jq_error_) return std::nullopt;
    Error error = *jq_error_;
    error.message = "--jq: " + error.message;
    if (jq_failures_ > 1) error.message += fmt::format(" ({} more value{} failed too)", jq_failures_ - 1, jq_failures_ == 2 ? "" : "s");
    return error;
}

void Printer::json(const nlohmann::json& value) {
    if (filter_ != nullptr) {
        std::string lines;
        filter_into(value, lines);
        write(lines);
        return;
    }
    const bool pretty = pretty_ && format_ != config::OutputFormat::ndjson;
    write(output::dump_json(value, pretty) + "\n");
}

void Printer::json(const nlohmann::ordered_json& value) {
    if (filter_ != nullptr) {
        std::string lines;
        filter_into(value, lines);
        write(lines);
        return;
    }
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
