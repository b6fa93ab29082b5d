// listen --relay's pure half (webhook/relay_map.hpp): the callees of seed 001's
// Kaleyra on_call_incoming and of a Webex telephony_push, the map's checks.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "callctl/webhook/examples.hpp"
#include "callctl/webhook/relay_map.hpp"
#include "testutil.hpp"

using namespace callctl;
using webhook::Json;

namespace {

std::string read_data(const char* name) {
    std::ifstream in(std::string(CALLCTL_TEST_DATA_DIR) + "/" + name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("relay: Kaleyra's callees are the invited users other than the initiator") {
    const Json body = Json::parse(read_data("kaleyra_on_call_incoming.json"));
    CHECK(webhook::callees_of(body, push::Vendor::kaleyra) == std::vector<std::string>{"usr_999"});
    webhook::ExampleParams params;
    params.caller = "alice";
    params.callees = {"bob", "carol", "bob", "alice"};
    for (const bool v1 : {false, true}) {
        params.kaleyra_v1 = v1;
        const Json example = *webhook::example_webhook("on_call_incoming", params);
        CHECK(webhook::callees_of(example, push::Vendor::kaleyra) == std::vector<std::string>{"bob", "carol"});
    }
    CHECK(webhook::callees_of(Json::parse(R"({"data":{"users":"x"}})"), push::Vendor::kaleyra).empty());
    CHECK(webhook::callees_of(Json::parse(R"({"data":{"users":[1,{"user":2},{"user":{"userAlias":"u"}}]}})"),
                              push::Vendor::kaleyra) == std::vector<std::string>{"u"});
}

TEST_CASE("relay: Webex's callee is createdBy, else actorId") {
    webhook::ExampleParams params;
    params.person_id = "PERSON";
    Json body = *webhook::example_webhook("telephony_push", params);
    body["createdBy"] = "CREATOR";
    body["actorId"] = "ACTOR";
    CHECK(webhook::callees_of(body, push::Vendor::webex) == std::vector<std::string>{"CREATOR"});
    body["createdBy"] = "";
    CHECK(webhook::callees_of(body, push::Vendor::webex) == std::vector<std::string>{"ACTOR"});
    body.erase("createdBy");
    CHECK(webhook::callees_of(body, push::Vendor::webex) == std::vector<std::string>{"ACTOR"});
    body.erase("actorId");
    CHECK(webhook::callees_of(body, push::Vendor::webex).empty());
    CHECK(webhook::callees_of(Json::array(), push::Vendor::webex).empty());
}

TEST_CASE("relay: the map's devices, looked up per callee") {
    auto map = webhook::parse_relay_map(
        R"({"bob":[{"platform":"fcm","token":"f1"},{"platform":"APNS","token":"a1"},{"platform":"fcm","token":"f1"}],"carol":[]})",
        "map.json");
    REQUIRE(map);
    const auto targets = webhook::relay_targets(*map, {"carol", "bob", "nobody"});
    REQUIRE(targets.size() == 2);
    CHECK((targets[0].user == "bob" && targets[0].device.platform == "fcm" && targets[0].device.token == "f1"));
    CHECK((targets[1].device.platform == "apns" && targets[1].device.token == "a1"));
}

TEST_CASE("relay: a bad map is bad input naming the user and device") {
    const auto message = [](const char* text) {
        auto map = webhook::parse_relay_map(text, "map.json");
        REQUIRE_FALSE(map);
        CHECK(map.error().code == ExitCode::bad_input);
        return map.error().message;
    };
    CHECK(message("[]") == "map.json: the relay map is not a JSON object");
    CHECK(message(R"({"bob":{}})") == "map.json: user 'bob': the devices are not an array");
    CHECK(message(R"({"bob":[{"platform":"gcm","token":"t"}]})") ==
          "map.json: user 'bob' device 0: platform must be fcm or apns, got 'gcm'");
    CHECK(message(R"({"bob":[{"platform":"fcm","token":"t"},{"platform":"fcm","token":"a b"}]})") ==
          "map.json: user 'bob' device 1: the token is empty or has spaces or control characters");
    CHECK(message(R"({"bob":[{"platform":"fcm","token":"t","x":1}]})") == "map.json: user 'bob' device 0: unknown key 'x'");
    CHECK(message(R"({"bob":[{"platform":"fcm"}]})") == "map.json: user 'bob' device 0 needs string \"platform\" and \"token\"");
    CHECK(message(R"({"":[]})") == "map.json: a user id is empty");
    CHECK(message("{") .find("map.json") == 0);
}
