#include "callctl/api/e911.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include <fmt/format.h>

#include "callctl/api/token.hpp"
#include "callctl/util/strings.hpp"

namespace callctl::api {

using nlohmann::json;

namespace {

bool all_letters(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); });
}

bool valid_zip(std::string_view zip) {
    if (zip.size() == 5) return util::all_digits(zip);
    return zip.size() == 10 && zip[5] == '-' && util::all_digits(zip.substr(0, 5)) && util::all_digits(zip.substr(6));
}

// The fields the vendor's samples always send; the rest are sent when given.
bool always_sent(const E911Field& field) { return field.required || std::string_view(field.name) == "unit"; }

}  // namespace

const std::vector<E911Field>& e911_fields() {
    // The vendor sample's eight in its order, the public servers' optional ones where
    // they belong in an address (house number extension after the number, the
    // street's parts after the street), additional text and comments last.
    static const std::vector<E911Field> fields = {
        {"first_name", &E911Address::first_name, true},
        {"last_name", &E911Address::last_name, true},
        {"house_number", &E911Address::house_number, true},
        {"house_number_extension", &E911Address::house_number_extension, false},
        {"street", &E911Address::street, true},
        {"street_name_suffix", &E911Address::street_name_suffix, false},
        {"street_dir", &E911Address::street_dir, false},
        {"street_dir_suffix", &E911Address::street_dir_suffix, false},
        {"unit", &E911Address::unit, false},
        {"city", &E911Address::city, true},
        {"state", &E911Address::state, true},
        {"zip", &E911Address::zip, true},
        {"address_additional", &E911Address::address_additional, false},
        {"comments", &E911Address::comments, false},
    };
    return fields;
}

namespace {

// The address in e911_fields() order: the order the body is sent in.
nlohmann::ordered_json ordered_address(const E911Address& address) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (const E911Field& field : e911_fields()) {
        const std::string value(util::trim(address.*field.member));
        if (always_sent(field) || !value.empty()) object[field.name] = value;
    }
    object["state"] = util::to_upper(util::trim(address.state));
    return object;
}

}  // namespace

json to_json(const E911Address& address) { return json(ordered_address(address)); }

Status validate(const E911Address& address) {
    std::vector<std::string> problems;
    for (const E911Field& field : e911_fields()) {
        if (field.required && util::trim(address.*field.member).empty()) problems.push_back(fmt::format("{} is required", field.name));
    }
    const std::string_view state = util::trim(address.state);
    if (!state.empty() && (state.size() != 2 || !all_letters(state))) {
        problems.push_back(fmt::format("state must be two letters, like CA (got '{}')", state));
    }
    const std::string_view zip = util::trim(address.zip);
    if (!zip.empty() && !valid_zip(zip)) {
        problems.push_back(fmt::format("zip must be 5 digits or ZIP+4 like 12345-6789 (got '{}')", zip));
    }
    if (problems.empty()) return {};
    std::string message = "invalid E911 address: ";
    for (std::size_t i = 0; i < problems.size(); ++i) message += (i == 0 ? "" : "; ") + problems[i];
    return make_error(ExitCode::bad_input, std::move(message),
                      "give every field (--first-name, --last-name, --house-number, --street, --city, --state, --zip; "
                      "--unit and the other address parts are optional) or an --address-file with the same keys");
}

Result<E911AddressFile> address_from_json(const json& object, std::string_view source) {
    if (!object.is_object()) {
        return make_error(ExitCode::bad_input, fmt::format("{}: an address must be a JSON object", source),
                          R"(e.g. {"first_name":"Ada","last_name":"Lovelace","house_number":"1","street":"Main St",...})");
    }
    E911AddressFile file;
    std::vector<std::string> problems;
    for (const auto& [raw_key, value] : object.items()) {
        std::string key = raw_key;
        std::replace(key.begin(), key.end(), '-', '_');
        if (key == "is_confirmed" || key == "confirmed") {
            if (value.is_boolean()) file.confirmed = value.get<bool>();
            else if (value == "true" || value == "false") file.confirmed = value == "true";  // as public samples send it
            else problems.push_back(fmt::format("{} must be true or false", raw_key));
            continue;
        }
        const auto& fields = e911_fields();
        const auto field = std::find_if(fields.begin(), fields.end(), [&](const E911Field& f) { return key == f.name; });
        if (field == fields.end()) {
            problems.push_back(fmt::format("unknown key '{}'", raw_key));
        } else if (value.is_string()) {
            file.address.*field->member = value.get<std::string>();
        } else if (value.is_number_integer() && key != "zip") {
            file.address.*field->member = value.dump();  // "house_number": 12 (a number zip would lose leading zeros)
        } else if (!value.is_null()) {
            problems.push_back(fmt::format("{} must be a string", raw_key));
        }
    }
    if (problems.empty()) return file;
    std::string message = fmt::format("{}: ", source);
    for (std::size_t i = 0; i < problems.size(); ++i) message += (i == 0 ? "" : "; ") + problems[i];
    return make_error(ExitCode::bad_input, std::move(message),
                      "keys: first_name, last_name, house_number, house_number_extension, street, street_name_suffix, "
                      "street_dir, street_dir_suffix, unit, city, state, zip, address_additional, comments, is_confirmed");
}

http::Request e911_request(std::string_view base_url, const std::string& access_token, const E911Address& address,
                           bool confirmed) {
    // The vendor sample's key order (token, address, is_confirmed): servers do not care,
    // but a body compared with the vendor's sample should read the same.
    nlohmann::ordered_json body = nlohmann::ordered_json::object();
    body["token"] = access_token;
    body["address"] = ordered_address(address);
    body["is_confirmed"] = confirmed;
    http::Request request =
        json_request(http::Method::post, http::join_url(base_url, "/e911ids"), json::object(), http::Replay::unsafe);
    request.body = body.dump();
    request.secrets.push_back({access_token, std::string(access_token_env)});
    return request;
}

Result<json> create_e911_id(Session& session, const E911Address& address, bool confirmed) {
    if (auto valid = validate(address); !valid) return valid.error();
    auto base = endpoint_url(session.settings(), Endpoint::token);
    if (!base) return base.error();

    if (!session.settings().token) {
        auto stored = session.stored_token();
        if (!stored) return stored.error();
        if (*stored && (*stored)->scope && util::iequals(*(*stored)->scope, to_wire(Scope::account_id))) {
            return make_error(ExitCode::auth,
                              fmt::format("the stored token of profile '{}' is an account-id token; E911 ids are only for "
                                          "mobile-number and virtual-number users",
                                          session.settings().profile),
                              "create one with `callctl token create --scope virtual-number --save` (or mobile-number)");
        }
    }

    const std::string what = "create an E911 id";
    auto response = session.send_with_token(
        [&](const std::string& token) { return e911_request(*base, token, address, confirmed); }, what);
    if (!response) return response.error();
    return json_body(*response, what);
}

}  // namespace callctl::api
