// Writes results to stdout in the resolved format. The library renders to
// strings; the Printer writes them, and the --dry-run command lines too. The
// only other writers of stdout are the completion commands (cmd_completion),
// which print their scripts directly; run()'s final flush checks their bytes
// too.
//
// A write that fails stops the run: EPIPE (the reader went away, `| head -1`)
// quietly, as exit 141; anything else (disk full, I/O error) as exit 12 with
// one error line (failure()). Either way util::interrupted() becomes true, so
// long loops (call-log over many ids, decode-push --stream) stop fetching and
// reading at once, and nothing more is written.
#pragma once

#include <cstddef>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/config/settings.hpp"
#include "callctl/error.hpp"
#include "callctl/output/table.hpp"
#include "callctl/output/terminal.hpp"

namespace callctl::cli {

class Printer {
public:
    // `enabled` false (--dry-run) swallows results: a dry run prints only
    // the curl command lines.
    Printer(config::OutputFormat format, const output::Terminal& terminal, bool quiet, bool enabled);

    config::OutputFormat format() const { return format_; }  // json, ndjson or table
    bool is_table() const { return format_ == config::OutputFormat::table; }
    bool quiet() const { return quiet_; }
    output::Style style() const { return style_; }
    std::size_t width() const { return width_; }

    // One JSON value: pretty on a terminal, compact otherwise; in ndjson mode
    // always one compact line.
    void json(const nlohmann::json& value);
    void json(const nlohmann::ordered_json& value);
    // Text as is (a rendered table), and a line with '\n' appended.
    void text(std::string_view text);
    void line(std::string_view text);
    // The common case: JSON (or NDJSON) of `value`, or the table `render` makes.
    void result(const nlohmann::json& value, const std::function<std::string()>& render_table);
    // --dry-run: the equivalent curl command lines, one a line.
    void command_lines(const std::vector<std::string>& lines);

    // Pushes buffered bytes out (stdout's, whoever wrote them) and checks them.
    void flush();
    // Set once a write failed with anything but EPIPE: the exit-12 Error.
    const std::optional<Error>& failure() const { return failure_; }

private:
    void write(std::string_view bytes);
    void put(std::string_view bytes);  // writes even when disabled
    void check_stdout();

    config::OutputFormat format_;
    bool pretty_;
    bool quiet_;
    bool enabled_;
    output::Style style_;
    std::size_t width_;
    bool broken_ = false;  // a write failed: write nothing more
    std::optional<Error> failure_;
};

}  // namespace callctl::cli
