// listen --relay's action (listen/relay.hpp) where it sends nothing: which
// events it answers with no member, and a call whose callees MAP has no
// device for. Sending itself is proven end to end (tests/e2e/test_listen_relay.py).
#include <doctest/doctest.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "callctl/listen/relay.hpp"

using namespace callctl;
using listen::Json;

namespace {

std::string read_data(const char* name) {
    std::ifstream in(std::string(CALLCTL_TEST_DATA_DIR) + "/" + name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

struct Outcome {
    bool called = false;
    Json result;
};

Outcome run(listen::EventAction& action, const std::string& body, const Json& event) {
    listen::Request request;
    request.method = "POST";
    request.body = body;
    Outcome outcome;
    action.start(request, event, [&outcome](Json result) {
        outcome.called = true;
        outcome.result = std::move(result);
    });
    action.finish();
    return outcome;
}

}  // namespace

TEST_CASE("relay: events other than a Kaleyra or Webex incoming call get no member") {
    listen::RelayOptions options;
    options.map["usr_999"] = {webhook::RelayDevice{"fcm", "tok"}};
    auto relay = listen::make_relayer(std::move(options), [](std::string_view) {});
    CHECK(relay->key() == "relay");
    const Outcome missed = run(*relay, "{}", Json{{"vendor", "kaleyra"}, {"event", "call.missed"}});
    CHECK(missed.called);
    CHECK(missed.result.is_null());
    const Outcome intercom = run(*relay, "{}", Json{{"vendor", "intercom"}, {"event", "call.incoming"}});
    CHECK(intercom.called);
    CHECK(intercom.result.is_null());
}

TEST_CASE("relay: callees without devices are listed and nothing is sent") {
    listen::RelayOptions options;
    options.map["usr_other"] = {webhook::RelayDevice{"fcm", "tok"}};
    std::vector<std::string> notices;
    auto relay = listen::make_relayer(std::move(options), [&notices](std::string_view text) { notices.emplace_back(text); });
    const Outcome outcome = run(*relay, read_data("kaleyra_on_call_incoming.json"),
                                Json{{"vendor", "kaleyra"}, {"event", "call.incoming"}});
    CHECK(outcome.called);
    CHECK(outcome.result.dump() == R"({"results":[],"no_devices":["usr_999"]})");
    CHECK(notices.empty());
}

TEST_CASE("relay: a push it cannot send is the member's error and a notice, never lost") {
    listen::RelayOptions options;  // no credentials at all
    options.map["usr_999"] = {webhook::RelayDevice{"apns", "a1a1"}};
    std::vector<std::string> notices;
    auto relay = listen::make_relayer(std::move(options), [&notices](std::string_view text) { notices.emplace_back(text); });
    const Outcome outcome = run(*relay, read_data("kaleyra_on_call_incoming.json"),
                                Json{{"vendor", "kaleyra"}, {"event", "call.incoming"}});
    CHECK(outcome.called);
    REQUIRE(outcome.result.contains("error"));
    CHECK(outcome.result["results"] == Json::array());
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].rfind("relay failed: ", 0) == 0);
}
