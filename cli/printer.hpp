// Writes results to stdout in the resolved format. The library renders to
// strings; this is the only code that writes to stdout.
#pragma once

#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "callctl/config/settings.hpp"
#include "callctl/output/table.hpp"
#include "callctl/output/terminal.hpp"

namespace callctl::cli {

class Printer {
public:
    // `enabled` false (--dry-run) swallows everything: a dry run prints only
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

    void flush();

private:
    void write(std::string_view bytes);

    config::OutputFormat format_;
    bool pretty_;
    bool quiet_;
    bool enabled_;
    output::Style style_;
    std::size_t width_;
};

}  // namespace callctl::cli
