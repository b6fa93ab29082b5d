// callctl phone clean|caller-info: the Enhanced-WebRTC SDK's phone utilities,
// offline. Arguments, or one value per line of stdin when there are none.
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app.hpp"
#include "callctl/api/phone.hpp"
#include "callctl/output/json.hpp"
#include "callctl/output/table.hpp"
#include "callctl/util/lines.hpp"
#include "callctl/util/strings.hpp"

namespace callctl::cli {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;  // keeps the SDK's key order: protocol, callerId, domain, ...

struct PhoneOptions {
    std::vector<std::string> values;
};

// The arguments, else stdin's non-blank lines. A line over the line limit
// is a warning and exit 3; the others are still read.
std::vector<std::string> inputs(const PhoneOptions& options, Context& context) {
    if (!options.values.empty()) return options.values;
    std::vector<std::string> lines;
    std::string line;
    std::size_t number = 0;
    for (util::LineRead read; (read = util::read_line(std::cin, line)) != util::LineRead::end;) {
        ++number;
        if (read == util::LineRead::too_long) {
            context.warn(fmt::format("standard input {}: skipped", util::long_line_text(number)));
            context.record_failure(ExitCode::bad_input);
            continue;
        }
        if (!util::trim(line).empty()) lines.emplace_back(util::trim(line));
    }
    return lines;
}

std::string cell(const ordered_json& value) {
    if (value.is_null()) return "-";
    return value.is_string() ? value.get<std::string>() : value.dump();
}

// JSON: an array of objects (ndjson: one per line); table: one row each.
void print_rows(Context& context, const ordered_json& rows, const std::vector<std::string>& headers,
                const std::function<std::vector<std::string>(const ordered_json&)>& cells) {
    Printer& out = context.out();
    if (out.format() == config::OutputFormat::ndjson) {
        for (const auto& row : rows) out.json(row);
    } else if (out.is_table()) {
        output::Table table(headers);
        for (const auto& row : rows) table.add_row(cells(row));
        table.set_keep(1);
        out.text(table.render(out.width(), out.style()));
    } else {
        out.json(rows);
    }
}

Status run_clean(const PhoneOptions& options, Context& context) {
    const auto numbers = inputs(options, context);
    if (numbers.empty()) return make_error(ExitCode::usage, "no numbers given", "pass them as arguments or one per line on stdin");
    ordered_json rows = ordered_json::array();
    for (const auto& number : numbers) {
        const std::string cleaned = api::clean_phone_number(number);
        if (cleaned.empty()) {
            context.warn(fmt::format("'{}' has no digits to dial", number));
            context.record_failure(ExitCode::bad_input);
        }
        rows.push_back({{"input", number}, {"number", cleaned}});
    }
    if (context.out().quiet()) {
        for (const auto& row : rows) context.out().line(row["number"].get<std::string>());
        return {};
    }
    print_rows(context, rows, {"INPUT", "DIALABLE"}, [](const ordered_json& row) {
        return std::vector<std::string>{row["input"].get<std::string>(), row["number"].get<std::string>()};
    });
    return {};
}

Status run_caller_info(const PhoneOptions& options, Context& context) {
    const auto uris = inputs(options, context);
    if (uris.empty()) return make_error(ExitCode::usage, "no URIs given", "pass them as arguments or one per line on stdin");
    ordered_json rows = ordered_json::array();
    for (const auto& uri : uris) {
        auto info = api::caller_info(uri);
        if (!info) {
            // A bad line is reported on its own row; the others still print.
            context.warn(info.error().message);
            context.record_failure(info.error().code);
            rows.push_back({{"uri", uri}, {"error", info.error().message}});
            continue;
        }
        ordered_json row = {{"uri", uri}};
        for (const auto& [key, value] : info->items()) {
            if (key != "uri") row[key] = value;  // a ";uri=" parameter must not hide the input
        }
        rows.push_back(std::move(row));
    }
    print_rows(context, rows, {"URI", "PROTOCOL", "CALLER ID", "DOMAIN", "PORT", "PARAMETERS"}, [](const ordered_json& row) {
        if (row.contains("error")) return std::vector<std::string>{row["uri"].get<std::string>(), "error", row["error"].get<std::string>(), "", "", ""};
        std::string parameters;
        for (const auto& [key, value] : row.items()) {
            if (key == "uri" || key == "protocol" || key == "callerId" || key == "domain" || key == "port") continue;
            parameters += (parameters.empty() ? "" : ";") + key + (value == "" ? "" : "=" + value.get<std::string>());
        }
        return std::vector<std::string>{row["uri"].get<std::string>(), cell(row["protocol"]), cell(row["callerId"]), cell(row["domain"]),
                                        row.contains("port") ? cell(row["port"]) : "-",
                                        parameters.empty() ? "-" : parameters};
    });
    return {};
}

}  // namespace

void register_phone(CLI::App& app, Context& context) {
    CLI::App* phone = app.add_subcommand("phone", "Phone number utilities of the Enhanced-WebRTC SDK (offline)");
    phone->require_subcommand(1);
    auto options = std::make_shared<PhoneOptions>();

    CLI::App* clean = phone->add_subcommand("clean", "Dialable form: 1800CALFEDX -> 18002253339; 911, *69 and addresses unchanged");
    clean->add_option("number", options->values, "Numbers (default: one per line on stdin)");
    on_run(*clean, context, [options](Context& c) { return run_clean(*options, c); });

    CLI::App* info = phone->add_subcommand("caller-info", "Split a caller URI: sip:+1111@host;k=v -> protocol, callerId, domain, ...");
    info->add_option("uri", options->values, "URIs (default: one per line on stdin)");
    on_run(*info, context, [options](Context& c) { return run_caller_info(*options, c); });
}

}  // namespace callctl::cli
