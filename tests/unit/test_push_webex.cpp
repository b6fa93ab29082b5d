#include <doctest/doctest.h>

#include "push_testutil.hpp"

using namespace callctl;
using namespace callctl::testing;
using push::Json;

namespace {

const std::string envelope =
    R"({"id":"wh_1","name":"Webex Calling XYZ Firehose","targetUrl":"https://example.com/message-events",)"
    R"("resource":"telephony_push","event":"updated","orgId":"org_1","createdBy":"person_1","appId":"app_1",)"
    R"("ownedBy":"org","status":"active","created":"2024-01-02T03:04:05.000Z","actorId":"person_2",)"
    R"("data":{"apnsPayload":{"zz":1,"aa":{"k":"v"}},"fcmPayload":{"zeta":"1","alpha":"2"}}})";

const std::string expected =
    R"({"vendor":"webex","event":"call.incoming","vendor_event":"telephony_push:updated","webhook_id":"wh_1",)"
    R"("webhook_name":"Webex Calling XYZ Firehose","actor_id":"person_2","org_id":"org_1","created_by":"person_1",)"
    R"("app_id":"app_1","owned_by":"org","status":"active","created":"2024-01-02T03:04:05.000Z",)"
    R"("target_url":"https://example.com/message-events","fcm_payload":{"zeta":"1","alpha":"2"},)"
    R"("apns_payload":{"zz":1,"aa":{"k":"v"}}})";

}  // namespace

TEST_CASE("webex: telephony_push envelope") {
    auto decoded = push::decode(envelope, {});
    REQUIRE(decoded.has_value());
    CHECK(decoded->normalized.dump() == expected);
}

TEST_CASE("webex: every transport wrapper") {
    const Json data = Json::parse(envelope);
    for (const auto transport : all_transports) {
        CAPTURE(name_of(transport));
        auto decoded = push::decode(wrap(data, transport).dump(), {});
        REQUIRE(decoded.has_value());
        CHECK(decoded->normalized.dump() == expected);
    }
}

TEST_CASE("webex: --extract gives the payload exactly") {
    push::DecodeOptions options;
    options.extract = push::Extract::fcm;
    auto fcm = push::decode(envelope, options);
    REQUIRE(fcm.has_value());
    CHECK(fcm->extracted == R"({"zeta":"1","alpha":"2"})");  // order as sent, compact
    options.extract = push::Extract::apns;
    CHECK(push::decode(envelope, options)->extracted == R"({"zz":1,"aa":{"k":"v"}})");

    SUBCASE("a payload sent as JSON text comes out as that text") {
        Json data = Json::parse(envelope);
        const std::string text = "{ \"b\" : 1,\n  \"a\": [1, 2.50] }";
        data["data"]["fcmPayload"] = text;
        options.extract = push::Extract::fcm;
        auto decoded = push::decode(data.dump(), options);
        REQUIRE(decoded.has_value());
        CHECK(decoded->extracted == text);
        CHECK(decoded->normalized["fcm_payload"].dump() == R"({"b":1,"a":[1,2.5]})");
    }
    SUBCASE("missing payload") {
        Json data = Json::parse(envelope);
        data["data"].erase("apnsPayload");
        options.extract = push::Extract::apns;
        CHECK(push::decode(data.dump(), options).error().code == ExitCode::bad_input);
    }
    SUBCASE("--extract on another vendor is a usage error") {
        options.extract = push::Extract::fcm;
        CHECK(push::decode(R"({"type":"Call.StopIncoming","iotDeviceId":"d"})", options).error().code == ExitCode::usage);
    }
}
