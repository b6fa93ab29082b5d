#include "printer.hpp"

#include <fmt/format.h>

#include "callctl/output/json.hpp"

namespace callctl::cli {

Printer::Printer(config::OutputFormat format, const output::Terminal& terminal, bool quiet, bool enabled)
    : format_(output::effective_format(format, terminal)),
      pretty_(terminal.stdout_tty),
      quiet_(quiet),
      enabled_(enabled),
      style_{terminal.color},
      width_(terminal.width) {}

void Printer::write(std::string_view bytes) {
    if (!enabled_ || bytes.empty()) return;
    // A closed pipe (`callctl ... | head -1`) makes fwrite fail with EPIPE
    // (SIGPIPE is ignored); there is nobody left to tell, so just stop.
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
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

void Printer::flush() {
    if (enabled_) std::fflush(stdout);
}

}  // namespace callctl::cli
