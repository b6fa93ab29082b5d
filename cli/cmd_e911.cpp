// callctl e911: register the address of a mobile-number or virtual-number
// user for emergency calls (POST /e911ids) and print its E911 id.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app.hpp"
#include "choices.hpp"
#include "callctl/api/e911.hpp"
#include "callctl/output/json.hpp"
#include "callctl/output/table.hpp"
#include "callctl/util/fs.hpp"

namespace callctl::cli {

namespace {

using nlohmann::json;

struct AddressFlag {
    const char* flag;
    std::string api::E911Address::*member;
    const char* help;
};

const std::vector<AddressFlag>& address_flags() {
    static const std::vector<AddressFlag> flags = {
        {"--first-name", &api::E911Address::first_name, "First name"},
        {"--last-name", &api::E911Address::last_name, "Last name"},
        {"--house-number", &api::E911Address::house_number, "House number"},
        {"--house-number-extension", &api::E911Address::house_number_extension, "After the house number: 1/2, A (optional)"},
        {"--street", &api::E911Address::street, "Street"},
        {"--street-name-suffix", &api::E911Address::street_name_suffix, "Street type: AVE, ST (optional)"},
        {"--street-dir", &api::E911Address::street_dir, "Direction before the street name: N (optional)"},
        {"--street-dir-suffix", &api::E911Address::street_dir_suffix, "Direction after the street name: SW (optional)"},
        {"--unit", &api::E911Address::unit, "Unit, apartment or suite (optional)"},
        {"--city", &api::E911Address::city, "City"},
        {"--state", &api::E911Address::state, "State, two letters (CA)"},
        {"--zip", &api::E911Address::zip, "ZIP code: 12345 or 12345-6789"},
        {"--address-additional", &api::E911Address::address_additional, "More address text: building, floor (optional)"},
        {"--comments", &api::E911Address::comments, "Comments for the emergency services (optional)"},
    };
    return flags;
}

struct E911Options {
    api::E911Address flags;              // what the flags said
    std::vector<CLI::Option*> given;     // parallel to address_flags(), to tell "given" from "empty"
    std::string address_file;
    bool confirmed = false;
};

Result<api::E911AddressFile> read_address_file(const std::string& path) {
    auto text = util::read_file(path);
    if (!text) return text.error();
    const std::string source = path == "-" ? "stdin" : path;
    json parsed = json::parse(*text, nullptr, false);
    if (parsed.is_discarded()) {
        return make_error(ExitCode::bad_input, fmt::format("{}: not valid JSON", source),
                          "the address file is a JSON object with first_name, last_name, house_number, street, unit, city, "
                          "state and zip (and optionally house_number_extension, street_name_suffix, street_dir, "
                          "street_dir_suffix, address_additional, comments)");
    }
    return api::address_from_json(parsed, source);
}

Status run_e911(const E911Options& options, Context& context) {
    api::E911Address address;
    bool confirmed = options.confirmed;
    if (!options.address_file.empty()) {
        if (auto settings = context.settings(); !settings) {
            return settings.error();
        } else if (auto once = config::check_one_stdin_reader(**settings, "--address-file", options.address_file); !once) {
            return once;
        }
        auto file = read_address_file(options.address_file);
        if (!file) return file.error();
        address = file->address;
        if (file->confirmed && !options.confirmed) confirmed = *file->confirmed;
    }
    // Flags override the file's fields, field by field.
    const auto& flags = address_flags();
    for (std::size_t i = 0; i < flags.size(); ++i) {
        if (options.given[i]->count() > 0) address.*flags[i].member = options.flags.*flags[i].member;
    }
    // Validate before anything else: a bad address needs no token or network.
    if (auto valid = api::validate(address); !valid) return valid;

    auto session = context.session();
    if (!session) return session.error();
    auto response = api::create_e911_id(**session, address, confirmed);
    if (!response) return response.error();

    const json& r = *response;
    const json location = r.contains("e911Locations") && r["e911Locations"].is_object() ? r["e911Locations"] : json::object();
    auto field = [&](const char* key) { return location.contains(key) ? output::cell_text(location[key]) : std::string("-"); };
    Printer& out = context.out();
    if (out.quiet()) {
        out.line(field("addressIdentifier"));
        return {};
    }
    out.result(r, [&] {
        std::string expiry = field("expirationDate");
        if (expiry == "-1") expiry = "never (-1)";
        return output::render_fields({{"E911 id", field("addressIdentifier")},
                                      {"Status", output::colorize_status(field("status"), out.style())},
                                      {"Expires", expiry}},
                                     out.width(), out.style());
    });
    return {};
}

}  // namespace

void register_e911(CLI::App& app, Context& context) {
    CLI::App* e911 = app.add_subcommand("e911", "POST /e911ids: register an emergency address and get its E911 id");
    auto options = std::make_shared<E911Options>();
    for (const auto& flag : address_flags()) {
        options->given.push_back(e911->add_option(flag.flag, options->flags.*flag.member, flag.help)->group("Address"));
    }
    completes_files(e911->add_option("--address-file", options->address_file,
                                     "JSON object with the wire keys (first_name, ..., zip, the optional "
                                     "house_number_extension, ..., comments; '-' = stdin); flags override its fields"));
    e911->add_flag("--confirmed", options->confirmed, "Send is_confirmed: true (the user confirmed the address)");
    e911->footer("Only for mobile-number and virtual-number tokens. The address is checked before sending; every "
                 "problem is named (exit 3).");
    on_run(*e911, context, [options](Context& c) { return run_e911(*options, c); });
}

}  // namespace callctl::cli
