#include <doctest/doctest.h>

#include "callctl/api/e911.hpp"

using namespace callctl;
using namespace callctl::api;
using nlohmann::json;

namespace {

E911Address good_address() {
    E911Address address;
    address.first_name = "Ada";
    address.last_name = "Lovelace";
    address.house_number = "12";
    address.street = "Main St";
    address.city = "Springfield";
    address.state = "IL";
    address.zip = "62701";
    return address;
}

std::string problems_of(const E911Address& address) {
    auto status = validate(address);
    if (status) return "";
    CHECK(status.error().code == ExitCode::bad_input);
    return status.error().message;
}

}  // namespace

TEST_CASE("validate: a complete address passes; unit is optional") {
    CHECK(validate(good_address()).has_value());
    auto with_unit = good_address();
    with_unit.unit = "Apt 4";
    CHECK(validate(with_unit).has_value());
    auto zip4 = good_address();
    zip4.zip = "62701-1234";
    CHECK(validate(zip4).has_value());
    auto lower_state = good_address();
    lower_state.state = "il";
    CHECK(validate(lower_state).has_value());
}

TEST_CASE("validate: each required field is named when missing or blank") {
    for (const auto& [name, member] : std::vector<std::pair<std::string, std::string E911Address::*>>{
             {"first_name", &E911Address::first_name},
             {"last_name", &E911Address::last_name},
             {"house_number", &E911Address::house_number},
             {"street", &E911Address::street},
             {"city", &E911Address::city},
             {"state", &E911Address::state},
             {"zip", &E911Address::zip}}) {
        CAPTURE(name);
        auto address = good_address();
        address.*member = "  ";
        CHECK(problems_of(address) == "invalid E911 address: " + name + " is required");
    }
}

TEST_CASE("validate: state and zip formats") {
    for (const char* state : {"I", "ILL", "1L", "I-"}) {
        CAPTURE(state);
        auto address = good_address();
        address.state = state;
        CHECK(problems_of(address).find("state must be two letters") != std::string::npos);
    }
    for (const char* zip : {"6270", "627011", "6270A", "62701-123", "62701 1234", "62701-12345", "627011234"}) {
        CAPTURE(zip);
        auto address = good_address();
        address.zip = zip;
        CHECK(problems_of(address).find("zip must be 5 digits or ZIP+4") != std::string::npos);
    }
}

TEST_CASE("validate: every problem in one error") {
    E911Address address;
    address.state = "Illinois";
    address.zip = "1234";
    const std::string message = problems_of(address);
    for (const char* part : {"first_name is required", "last_name is required", "house_number is required", "street is required",
                             "city is required", "state must be two letters", "zip must be 5 digits"}) {
        CAPTURE(part);
        CHECK(message.find(part) != std::string::npos);
    }
    CHECK(message.find("unit") == std::string::npos);
    CHECK(message.find("state is required") == std::string::npos);
}

TEST_CASE("to_json: every wire key, trimmed, state upper-cased, unit empty") {
    auto address = good_address();
    address.state = "il";
    address.city = " Springfield ";
    CHECK(to_json(address) == json{{"first_name", "Ada"}, {"last_name", "Lovelace"}, {"house_number", "12"}, {"street", "Main St"},
                                   {"unit", ""}, {"city", "Springfield"}, {"state", "IL"}, {"zip", "62701"}});
}

TEST_CASE("to_json: the optional parts only when given") {
    auto address = good_address();
    address.house_number_extension = "1/2";
    address.street_name_suffix = " AVE ";
    address.street_dir = "N";
    address.street_dir_suffix = "SW";
    address.address_additional = "Building 4";
    address.comments = "Gate code 1234";
    CHECK(to_json(address) == json{{"first_name", "Ada"}, {"last_name", "Lovelace"}, {"house_number", "12"},
                                   {"house_number_extension", "1/2"}, {"street", "Main St"}, {"street_name_suffix", "AVE"},
                                   {"street_dir", "N"}, {"street_dir_suffix", "SW"}, {"unit", ""}, {"city", "Springfield"},
                                   {"state", "IL"}, {"zip", "62701"}, {"address_additional", "Building 4"},
                                   {"comments", "Gate code 1234"}});
    address.comments = "   ";
    CHECK_FALSE(to_json(address).contains("comments"));
    CHECK(validate(address).has_value());  // all optional
}

TEST_CASE("e911_request: the seed's key order, optional parts in their places") {
    auto address = good_address();
    address.street_dir = "N";
    address.comments = "c";
    auto request = e911_request("http://sandbox:1", "tok", address, false);
    CHECK(request.body ==
          R"({"token":"tok","address":{"first_name":"Ada","last_name":"Lovelace","house_number":"12","street":"Main St",)"
          R"("street_dir":"N","unit":"","city":"Springfield","state":"IL","zip":"62701","comments":"c"},"is_confirmed":false})");
}

TEST_CASE("address_from_json: the optional keys, dashed too") {
    auto file = address_from_json(json::parse(R"({"first_name":"Ada","house-number-extension":"A","street_name_suffix":"ST",
        "street-dir":"N","street_dir_suffix":"E","address_additional":"Floor 2","comments":"ring twice"})"), "addr.json");
    REQUIRE(file.has_value());
    CHECK(file->address.house_number_extension == "A");
    CHECK(file->address.street_name_suffix == "ST");
    CHECK(file->address.street_dir == "N");
    CHECK(file->address.street_dir_suffix == "E");
    CHECK(file->address.address_additional == "Floor 2");
    CHECK(file->address.comments == "ring twice");
}

TEST_CASE("address_from_json: wire keys, dashed keys, numbers and is_confirmed") {
    auto file = address_from_json(json::parse(R"({"first-name":"Ada","last_name":"Lovelace","house_number":12,
        "street":"Main St","city":"Springfield","state":"IL","zip":"62701","is_confirmed":"true"})"),
                                  "addr.json");
    REQUIRE(file.has_value());
    CHECK(file->address.first_name == "Ada");
    CHECK(file->address.house_number == "12");
    CHECK(file->confirmed == true);
    CHECK(validate(file->address).has_value());
}

TEST_CASE("address_from_json: unknown keys and wrong types are named") {
    auto file = address_from_json(json::parse(R"({"frist_name":"Ada","zip":62701,"city":["x"],"is_confirmed":"yes"})"), "addr.json");
    REQUIRE_FALSE(file.has_value());
    CHECK(file.error().code == ExitCode::bad_input);
    const std::string& message = file.error().message;
    CHECK(message.rfind("addr.json: ", 0) == 0);
    CHECK(message.find("unknown key 'frist_name'") != std::string::npos);
    CHECK(message.find("zip must be a string") != std::string::npos);
    CHECK(message.find("city must be a string") != std::string::npos);
    CHECK(message.find("is_confirmed must be true or false") != std::string::npos);

    CHECK(address_from_json(json::array(), "addr.json").error().code == ExitCode::bad_input);
}

TEST_CASE("e911_request: the exact body, the token a secret") {
    auto request = e911_request("http://sandbox:1/", "tok123", good_address(), true);
    CHECK(request.method == http::Method::post);
    CHECK(request.url == "http://sandbox:1/e911ids");
    CHECK(request.replay == http::Replay::unsafe);
    CHECK(json::parse(request.body) == json{{"token", "tok123"}, {"address", to_json(good_address())}, {"is_confirmed", true}});
    REQUIRE(request.secrets.size() == 1);
    CHECK(request.secrets[0].value == "tok123");
    CHECK(request.secrets[0].env_name == "CALLCTL_TOKEN");
    bool content_type = false;
    for (const auto& header : request.headers) content_type |= header.name == "Content-Type" && header.value == "application/json";
    CHECK(content_type);
}
