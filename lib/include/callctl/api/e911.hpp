// E911 ids (callctl(1), e911 and WIRE FORMATS): the address a mobile-number or virtual-number
// user registers for emergency calls, validated before it is sent, and
// POST /e911ids {"token","address":{...},"is_confirmed":bool}.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/api/session.hpp"
#include "callctl/error.hpp"
#include "callctl/http/http.hpp"

namespace callctl::api {

struct E911Address {
    std::string first_name;
    std::string last_name;
    std::string house_number;
    std::string house_number_extension;  // optional: "1/2", "A"
    std::string street;
    std::string street_name_suffix;  // optional: "AVE", "ST"
    std::string street_dir;          // optional: the direction before the name, "N"
    std::string street_dir_suffix;   // optional: the direction after it, "SW"
    std::string unit;                // optional; sent as "" when empty
    std::string city;
    std::string state;  // two letters
    std::string zip;    // 12345 or 12345-6789
    std::string address_additional;  // optional: "Building 4"
    std::string comments;            // optional
};

// Each address field: its wire name, where it lives, and whether it is required.
struct E911Field {
    const char* name;
    std::string E911Address::*member;
    bool required;
};
// In the order they are sent (callctl(1), WIRE FORMATS).
const std::vector<E911Field>& e911_fields();

// The address as the wire object, fields trimmed and the state upper-cased.
// The eight fields of the vendor's sample are always sent (unit as "" when empty); the
// optional extra ones only when not empty. (nlohmann::json sorts its keys;
// e911_request sends them in e911_fields() order.)
nlohmann::json to_json(const E911Address& address);

// Every problem at once, in one bad_input (exit 3) error:
// "invalid E911 address: first_name is required; zip must be ...".
Status validate(const E911Address& address);

// An address file: a JSON object with the wire keys (first_name, ...; a '-'
// spelling like "first-name" is accepted too) and optionally "is_confirmed".
// Unknown keys and non-string values are bad_input naming `source`.
struct E911AddressFile {
    E911Address address;
    std::optional<bool> confirmed;
};
Result<E911AddressFile> address_from_json(const nlohmann::json& object, std::string_view source);

// The request; the token travels in the body, not in a header. The body is
// {"token","address","is_confirmed"} in that order, as the vendor's sample sends it.
http::Request e911_request(std::string_view base_url, const std::string& access_token, const E911Address& address,
                           bool confirmed);

// Validates, then sends with the session's token (stored one refreshed when
// expired; on a 401 one refresh and one retry, as for header-bearer calls).
// A stored ACCOUNT_ID token is refused before sending (exit 5).
Result<nlohmann::json> create_e911_id(Session& session, const E911Address& address, bool confirmed);

}  // namespace callctl::api
