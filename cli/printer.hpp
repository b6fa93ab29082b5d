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
// reading at once, and nothing more is written. check_reader() finds a
// reader gone before any write fails.
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
#include "callctl/output/jq.hpp"
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
    // With --jq the JSON is the result: no command swaps it for -q's text.
    bool quiet() const { return quiet_ && filter_ == nullptr; }
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
    // Whether stdout's reader went away, asked without writing (a poll):
    // when it did, the run stops as an EPIPE would stop it (exit 141). For
    // loops that fetch much before they write (call-log -o table), so that
    // `| head` stops the fetching at once.
    void check_reader();
    // Set once a write failed with anything but EPIPE: the exit-12 Error.
    const std::optional<Error>& failure() const { return failure_; }

    // --jq: every JSON value written through json() goes through `filter`
    // instead, each output on its own line (callctl(1), --jq). The caller
    // keeps the filter alive and has made the format json or ndjson.
    void set_filter(output::JqFilter* filter) { filter_ = filter; }
    bool filtering() const { return filter_ != nullptr; }
    // The filter's output lines for `value`, each ending in '\n', appended to
    // `lines` (for writers that batch their output). A runtime error appends
    // nothing and is kept for jq_error().
    void append_filtered(const nlohmann::json& value, std::string& lines);
    void append_filtered(const nlohmann::ordered_json& value, std::string& lines);
    // The first runtime error of the filter, if any (the values after it were
    // still filtered and printed, as jq does); its message counts the rest.
    std::optional<Error> jq_error() const;

private:
    template <class Json>
    void filter_into(const Json& value, std::string& lines);
    void write(std::string_view bytes);
    void put(std::string_view bytes);  // writes even when disabled
    void check_stdout();

    config::OutputFormat format_;
    bool pretty_;
    bool quiet_;
    bool enabled_;
    output::Style style_;
    std::size_t width_;
    output::JqFilter* filter_ = nullptr;
    std::optional<Error> jq_error_;
    std::size_t jq_failures_ = 0;
    bool broken_ = false;  // a write failed: write nothing more
    std::optional<Error> failure_;
};

}  // namespace callctl::cli
