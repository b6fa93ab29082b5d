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
    R"("webhook_name":"Webex Calling XYZ Firehose","actor_id":"person_2","created_by":"person_1","org_id":"org_1",)"
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

namespace {

// The shape of the firehose webhook in Cisco's Webex Calling guide, with every field public material
// names: filter, data.{id,callId,personId,personEmail,state,created}, and the
// webhookTelephonyPush JSON text the Android SDK reads inside fcmPayload.
const std::string telephony_push_text =
    R"({"name":"Alice Example","number":"+14085550100","pushId":"push_7","externalTrackingId":"CI_1234",)"
    R"("version":"1.0","callType":"NewCall"})";
std::string real_shaped() {
    Json webhook = Json::parse(R"({"id":"wh_9","name":"Webex Calling XYZ Firehose",
        "targetUrl":"https://example.com/message-events","resource":"telephony_push","event":"updated",
        "filter":"orgId=org_1","orgId":"org_1","createdBy":"person_9","appId":"app_1","ownedBy":"org",
        "status":"active","created":"2024-01-02T03:04:05.000Z","actorId":"person_2",
        "data":{"id":"res_1","callId":"call_5","personId":"person_2","personEmail":"bob@example.com",
                "state":"alerting","created":"2024-06-01T10:00:00.000Z","apnsPayload":{},"fcmPayload":{}}})");
    webhook["data"]["fcmPayload"] = Json{{"webhookTelephonyPush", telephony_push_text}};
    webhook["data"]["apnsPayload"] = Json{{"webhookTelephonyPush", telephony_push_text}};
    return webhook.dump();
}

}  // namespace

TEST_CASE("webex: a real-shaped telephony_push webhook, webhookTelephonyPush decoded") {
    auto decoded = push::decode(real_shaped(), {});
    REQUIRE(decoded.has_value());
    const std::string push_object =
        R"({"name":"Alice Example","number":"+14085550100","pushId":"push_7","externalTrackingId":"CI_1234",)"
        R"("version":"1.0","callType":"NewCall"})";
    CHECK(decoded->normalized.dump() ==
          R"({"vendor":"webex","event":"call.incoming","vendor_event":"telephony_push:updated","webhook_id":"wh_9",)"
          R"("webhook_name":"Webex Calling XYZ Firehose","actor_id":"person_2","created_by":"person_9","org_id":"org_1",)"
          R"("app_id":"app_1","owned_by":"org","status":"active","created":"2024-01-02T03:04:05.000Z",)"
          R"("target_url":"https://example.com/message-events","filter":"orgId=org_1","resource_id":"res_1",)"
          R"("call_id":"call_5","person_id":"person_2","person_email":"bob@example.com","call_state":"alerting",)"
          R"("resource_created":"2024-06-01T10:00:00.000Z",)"
          R"("telephony_push":{"name":"Alice Example","number":"+14085550100","push_id":"push_7",)"
          R"("external_tracking_id":"CI_1234","version":"1.0","callType":"NewCall"},)"
          R"("fcm_payload":{"webhookTelephonyPush":)" + push_object + R"(},)"
          R"("apns_payload":{"webhookTelephonyPush":)" + push_object + R"(}})");
    CHECK(decoded->warnings.empty());

    // --extract leaves the JSON text a string, exactly as Webex sent it
    push::DecodeOptions options;
    options.extract = push::Extract::fcm;
    CHECK(push::decode(real_shaped(), options)->extracted == Json{{"webhookTelephonyPush", telephony_push_text}}.dump());
}

TEST_CASE("webex: webhookTelephonyPush nested in a forwarder's JSON text, or not JSON at all") {
    Json webhook = Json::parse(real_shaped());
    // AWS Pinpoint style: the payload as JSON text under a key of its own
    webhook["data"]["fcmPayload"] = Json{{"pinpoint.jsonBody", Json{{"webhookTelephonyPush", telephony_push_text}}.dump()}};
    webhook["data"].erase("apnsPayload");
    auto decoded = push::decode(webhook.dump(), {});
    REQUIRE(decoded.has_value());
    CHECK(decoded->normalized["telephony_push"]["push_id"] == "push_7");
    CHECK(decoded->normalized["fcm_payload"]["pinpoint.jsonBody"]["webhookTelephonyPush"]["pushId"] == "push_7");

    webhook["data"]["fcmPayload"] = Json{{"webhookTelephonyPush", "{\"name\":"}};
    decoded = push::decode(webhook.dump(), {});
    REQUIRE(decoded.has_value());
    CHECK_FALSE(decoded->normalized.contains("telephony_push"));
    CHECK(decoded->normalized["fcm_payload"]["webhookTelephonyPush"] == "{\"name\":");
    REQUIRE(decoded->warnings.size() == 1);
    CHECK(decoded->warnings[0] == "webhookTelephonyPush is not JSON text; it is shown as sent");
}

TEST_CASE("webex: fields nobody documented are kept under extra") {
    Json webhook = Json::parse(real_shaped());
    webhook["newField"] = 1;
    webhook["data"]["region"] = "us";
    auto decoded = push::decode(webhook.dump(), {});
    REQUIRE(decoded.has_value());
    CHECK(decoded->normalized["extra"].dump() == R"({"newField":1,"data":{"region":"us"}})");
    // any telephony_push is an incoming call, whatever its event says
    webhook["event"] = "created";
    CHECK(push::decode(webhook.dump(), {})->normalized["event"] == "call.incoming");
}

TEST_CASE("webex: --extract gives a payload's own bytes") {
    // spacing, escapes and number spellings that a re-serialisation would change
    const std::string fcm = "{ \"b\" : 1.50,\n  \"a\": \"caf\\u00e9 \\\"}{\", \"n\" : [ {\"x\":\"]\"} ] }";
    const std::string body = "{\n  \"resource\": \"telephony_push\", \"event\": \"updated\",\n"
                             "  \"data\": { \"callId\": \"c\", \"fcmPayload\" : " + fcm + ",\n"
                             "            \"apnsPayload\": {\"aps\":{}} }\n}\n";
    push::DecodeOptions options;
    options.extract = push::Extract::fcm;
    auto decoded = push::decode(body, options);
    REQUIRE(decoded.has_value());
    CHECK(decoded->extracted == fcm);
    options.extract = push::Extract::apns;
    CHECK(push::decode(body, options)->extracted == R"({"aps":{}})");

    SUBCASE("a repeated key: the one the parser keeps") {
        const std::string twice = R"({"resource":"telephony_push","data":{"fcmPayload":{"old":1},"fcmPayload":{ "new":2 }}})";
        options.extract = push::Extract::fcm;
        CHECK(push::decode(twice, options)->extracted == R"({ "new":2 })");
    }
    SUBCASE("a wrapped webhook: the payload compactly, in the order sent") {
        const Json wrapped = {{"to", "tok"}, {"data", Json::parse(body)}};
        options.extract = push::Extract::fcm;
        CHECK(push::decode(wrapped.dump(), options)->extracted == R"({"b":1.5,"a":"café \"}{","n":[{"x":"]"}]})");
    }
}
