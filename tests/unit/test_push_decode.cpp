#include <doctest/doctest.h>

#include "push_testutil.hpp"

using namespace callctl;
using namespace callctl::testing;
using push::Json;

TEST_CASE("decode: not JSON, not an object, empty") {
    auto not_json = push::decode("{\"type\": Call.Incoming}", {});
    REQUIRE_FALSE(not_json.has_value());
    CHECK(not_json.error().code == ExitCode::bad_input);
    CHECK(not_json.error().message.rfind("push payload is not JSON: ", 0) == 0);
    CHECK(not_json.error().message.find("(at byte 10)") != std::string::npos);
    CHECK(not_json.error().message.find("last read") == std::string::npos);

    CHECK(push::decode("[1,2]", {}).error().code == ExitCode::bad_input);
    CHECK(push::decode("  \n", {}).error().code == ExitCode::bad_input);
    CHECK(push::decode("\"text\"", {}).error().code == ExitCode::bad_input);
}

TEST_CASE("decode: unknown vendor") {
    for (const char* payload : {R"({"hello":"world"})", R"({"type":"Message","text":"x"})",
                                R"({"message":{"data":{"a":"b"}}})", R"({"event":"created","resource":"rooms"})"}) {
        CAPTURE(std::string(payload));
        auto r = push::decode(payload, {});
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == ExitCode::bad_input);
        CHECK(r.error().message == "unknown push payload: cannot tell the vendor (use --vendor)");
    }
}

TEST_CASE("decode: an explicit vendor is obeyed") {
    const std::string stop = R"({"type":"Call.StopIncoming","iotDeviceId":"d"})";
    push::DecodeOptions options;
    options.vendor = push::Vendor::kaleyra;
    CHECK(push::decode(stop, options).error().code == ExitCode::bad_input);
    options.vendor = push::Vendor::webex;
    CHECK(push::decode(stop, options).error().code == ExitCode::bad_input);
    options.vendor = push::Vendor::intercom;
    CHECK(push::decode(stop, options).has_value());
    // a Kaleyra event without the on_ prefix is only decodable when named
    options.vendor = push::Vendor::kaleyra;
    auto named = push::decode(R"({"event":"call_started","data":{"a":1}})", options);
    REQUIRE(named.has_value());
    CHECK(named->normalized["vendor"] == "kaleyra");
}

TEST_CASE("unwrap: wrappers reduce to the data map") {
    const Json data = {{"type", "Call.StopIncoming"}, {"iotDeviceId", "d"}};
    for (const auto transport : all_transports) {
        CAPTURE(name_of(transport));
        auto unwrapped = push::unwrap(wrap(data, transport));
        REQUIRE(unwrapped.has_value());
        CHECK(*unwrapped == data);
    }
    CHECK(push::unwrap(Json::array()).error().code == ExitCode::bad_input);
    // JSON-looking text that is not JSON stays a string
    auto odd = push::unwrap(Json{{"type", "Call.X"}, {"iotDeviceId", "d"}, {"note", "{not json"}});
    CHECK((*odd)["note"] == "{not json");
}

TEST_CASE("stream_error") {
    CHECK(push::stream_error(make_error(ExitCode::push_crypto, "signature does not match"), 7).dump() ==
          R"({"error":"signature does not match","exit_code":9,"line":7})");
}

TEST_CASE("decode: JSON nested 100,000 deep is refused, never walked") {
    const std::size_t deep = 100'000;
    const std::string nest = std::string(deep, '[') + std::string(deep, ']');
    for (const std::string& body :
         {R"({"type":"Call.StopIncoming","iotDeviceId":"d","x":)" + nest + "}",
          R"({"event":"on_x","data":)" + nest + "}", R"({"resource":"telephony_push","data":{"fcmPayload":)" + nest + "}}"}) {
        auto decoded = push::decode(body, {});
        REQUIRE_FALSE(decoded.has_value());
        CHECK(decoded.error().code == ExitCode::bad_input);
        CHECK(decoded.error().message == "push payload nests deeper than 256 levels");
    }
    // deep JSON *text* inside a payload stays the string it was
    const Json webex = {{"resource", "telephony_push"}, {"data", {{"fcmPayload", {{"webhookTelephonyPush", nest}}}}}};
    auto decoded = push::decode(webex.dump(), {});
    REQUIRE(decoded.has_value());
    CHECK(decoded->normalized["fcm_payload"]["webhookTelephonyPush"].is_string());
    const Json kaleyra = {{"message", "{\"event\":\"on_x\",\"data\":" + nest + "}"}};
    CHECK(push::decode(kaleyra.dump(), {}).error().code == ExitCode::bad_input);  // stays a string: no vendor

    // strings do not count, and 256 levels are fine
    const std::string fine = std::string(255, '[') + std::string(255, ']');
    CHECK(push::decode(R"({"event":"on_x","s":"[[[[[[[[","data":)" + fine + "}", {}).has_value());
}
