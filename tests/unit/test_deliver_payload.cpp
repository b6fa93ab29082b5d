// send-push's payload mapping (deliver/payload.hpp): every row of the table in
// callctl(1) "Payload mapping", and the size limits at and one past the edge.
#include <doctest/doctest.h>

#include "callctl/deliver/payload.hpp"
#include "push_testutil.hpp"

using namespace callctl;
using namespace callctl::deliver;
using namespace callctl::testing;
using push::Json;

namespace {

const std::string webex_webhook =
    R"({"id":"wh_1","name":"Firehose","targetUrl":"https://example.com/hook","resource":"telephony_push","event":"updated",)"
    R"("orgId":"org_1","createdBy":"person_1","actorId":"person_2",)"
    R"("data":{"apnsPayload":{"aps":{"alert":"x"},"zz":1,"webhookTelephonyPush":"{\"name\":\"Alice\"}"},)"
    R"("fcmPayload":{"zeta":"1","alpha":2,"webhookTelephonyPush":"{\"name\":\"Alice\"}"}}})";

std::string dump(const std::optional<Json>& value) {
    REQUIRE(value.has_value());
    return value->dump();
}

// An intercom stop push with a filler field that makes the given text exactly `bytes` long.
std::string padded_stop(const std::function<std::size_t(const Payload&)>& measure, std::size_t bytes) {
    Json data = {{"type", "Call.StopIncoming"}, {"iotDeviceId", "dev_42"}, {"pad", ""}};
    auto payload = map_payload(data.dump());
    REQUIRE(payload.has_value());
    const std::size_t base = measure(*payload);
    REQUIRE(base < bytes);
    data["pad"] = std::string(bytes - base, 'x');
    return data.dump();
}

}  // namespace

TEST_CASE("mapping: an intercom push, bare and in every wrapper decode-push reads") {
    const Json data = intercom_incoming();
    Json with_aps = data;
    with_aps["aps"] = Json::object();

    auto bare = map_payload(data.dump());
    REQUIRE(bare.has_value());
    CHECK(bare->vendor == push::Vendor::intercom);
    CHECK(bare->event == "call.incoming");
    CHECK(bare->shape == PayloadShape::data_map);
    CHECK(bare->is_intercom_incoming());
    CHECK(bare->iot_device_id == "dev_42");
    CHECK(dump(bare->fcm_data) == data.dump());  // all strings already: unchanged
    CHECK(dump(bare->apns_body) == with_aps.dump());

    for (const auto transport : {Transport::fcm_v1, Transport::fcm_legacy}) {
        CAPTURE(name_of(transport));
        auto mapped = map_payload(wrap(data, transport).dump());
        REQUIRE(mapped.has_value());
        CHECK(mapped->shape == (transport == Transport::fcm_v1 ? PayloadShape::fcm_v1 : PayloadShape::fcm_legacy));
        CHECK(dump(mapped->fcm_data) == data.dump());
        CHECK(dump(mapped->apns_body) == with_aps.dump());
    }

    // An APNs body goes to APNs as is; FCM gets the keys beside "aps".
    const Json apns = wrap(data, Transport::apns);
    auto from_apns = map_payload(apns.dump());
    REQUIRE(from_apns.has_value());
    CHECK(from_apns->shape == PayloadShape::apns);
    CHECK(dump(from_apns->apns_body) == apns.dump());
    CHECK(dump(from_apns->fcm_data) == data.dump());
}

TEST_CASE("mapping: FCM data values become strings, in the order sent") {
    const std::string message =
        R"({"message":{"token":"t","data":{"type":"Call.StopIncoming","iotDeviceId":42,"n":1.5,"flag":true,"obj":{"b":1,"a":[1,"x"]},"none":null}}})";
    auto mapped = map_payload(message);
    REQUIRE(mapped.has_value());
    CHECK(dump(mapped->fcm_data) ==
          R"({"type":"Call.StopIncoming","iotDeviceId":"42","n":"1.5","flag":"true","obj":"{\"b\":1,\"a\":[1,\"x\"]}","none":"null"})");
    // APNs keeps the JSON types.
    CHECK(dump(mapped->apns_body) ==
          R"({"type":"Call.StopIncoming","iotDeviceId":42,"n":1.5,"flag":true,"obj":{"b":1,"a":[1,"x"]},"none":null,"aps":{}})");
    CHECK_FALSE(mapped->is_intercom_incoming());
}

TEST_CASE("mapping: a Kaleyra webhook body") {
    const std::string body = read_test_data("kaleyra_on_call_incoming.json");
    auto mapped = map_payload(body);
    REQUIRE(mapped.has_value());
    CHECK(mapped->vendor == push::Vendor::kaleyra);
    CHECK(mapped->shape == PayloadShape::webhook);
    const Json compact = Json::parse(body);
    CHECK(dump(mapped->fcm_data) == Json{{"message", compact.dump()}}.dump());
    Json apns = compact;
    apns["aps"] = Json::object();
    CHECK(dump(mapped->apns_body) == apns.dump());

    // What FCM receives decodes as the same Kaleyra event.
    auto again = map_payload(Json{{"message", {{"token", "t"}, {"data", *mapped->fcm_data}}}}.dump());
    REQUIRE(again.has_value());
    CHECK(again->vendor == push::Vendor::kaleyra);
    CHECK(again->event == mapped->event);
    CHECK(dump(again->fcm_data) == dump(mapped->fcm_data));
}

TEST_CASE("mapping: a Webex telephony_push webhook, as Cisco's forwarder sends it") {
    auto mapped = map_payload(webex_webhook);
    REQUIRE(mapped.has_value());
    CHECK(mapped->vendor == push::Vendor::webex);
    CHECK(mapped->event == "call.incoming");
    CHECK(dump(mapped->fcm_data) == R"({"zeta":"1","alpha":"2","webhookTelephonyPush":"{\"name\":\"Alice\"}"})");
    // {...apnsPayload, "aps":{}, "content-available":1}: "aps" replaced in its place.
    CHECK(dump(mapped->apns_body) ==
          R"({"aps":{},"zz":1,"webhookTelephonyPush":"{\"name\":\"Alice\"}","content-available":1})");

    // Payloads sent as JSON text are the same objects.
    Json text_payloads = Json::parse(webex_webhook);
    text_payloads["data"]["fcmPayload"] = text_payloads["data"]["fcmPayload"].dump();
    text_payloads["data"]["apnsPayload"] = text_payloads["data"]["apnsPayload"].dump();
    auto from_text = map_payload(text_payloads.dump());
    REQUIRE(from_text.has_value());
    CHECK(dump(from_text->fcm_data) == dump(mapped->fcm_data));
    CHECK(dump(from_text->apns_body) == dump(mapped->apns_body));

    // A webhook without a payload for a platform cannot go there.
    Json no_fcm = Json::parse(webex_webhook);
    no_fcm["data"].erase("fcmPayload");
    auto partial = map_payload(no_fcm.dump());
    REQUIRE(partial.has_value());
    CHECK_FALSE(partial->fcm_data.has_value());
    auto refused = check_deliverable(*partial, Platform::fcm, PushType::voip);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ExitCode::bad_input);
    CHECK(refused.error().message == "this Webex webhook has no data.fcmPayload object to send to FCM");
    CHECK(check_deliverable(*partial, Platform::apns, PushType::voip).has_value());
}

TEST_CASE("mapping: what decode-push cannot read is bad_input") {
    for (const char* text : {"", "not json", "[1,2]", "{\"hello\":\"world\"}", "{\"message\":{\"notification\":{\"title\":\"x\"}}}"}) {
        CAPTURE(text);
        auto mapped = map_payload(text);
        REQUIRE_FALSE(mapped.has_value());
        CHECK(mapped.error().code == ExitCode::bad_input);
    }
    CHECK(map_payload("{\"hello\":\"world\"}").error().message ==
          "not a push payload callctl knows (an intercom push, an FCM or APNs body, a Kaleyra or Webex webhook)");
}

TEST_CASE("matching_stop_push: the stop push for an intercom incoming call") {
    auto incoming = map_payload(wrap(intercom_incoming(), Transport::fcm_v1).dump());
    REQUIRE(incoming.has_value());
    auto stop = matching_stop_push(*incoming);
    REQUIRE(stop.has_value());
    CHECK(stop->event == "call.stop");
    CHECK(dump(stop->fcm_data) == R"({"type":"Call.StopIncoming","iotDeviceId":"dev_42"})");
    CHECK(dump(stop->apns_body) == R"({"type":"Call.StopIncoming","iotDeviceId":"dev_42","aps":{}})");

    auto not_incoming = matching_stop_push(*stop);
    REQUIRE_FALSE(not_incoming.has_value());
    CHECK(not_incoming.error().code == ExitCode::usage);
    auto kaleyra = map_payload(read_test_data("kaleyra_on_call_incoming.json"));
    REQUIRE(kaleyra.has_value());
    CHECK(matching_stop_push(*kaleyra).error().code == ExitCode::usage);
}

TEST_CASE("sizes: FCM data 4096, APNs 4096, VoIP 5120, measured exactly") {
    const auto fcm_bytes = [](const Payload& p) { return fcm_data_text(*p.fcm_data).size(); };
    const auto apns_bytes = [](const Payload& p) { return apns_body_text(*p.apns_body).size(); };

    auto at_limit = map_payload(padded_stop(fcm_bytes, 4096));
    REQUIRE(at_limit.has_value());
    CHECK(fcm_data_text(*at_limit->fcm_data).size() == 4096);
    CHECK(check_deliverable(*at_limit, Platform::fcm, PushType::voip).has_value());
    auto over = map_payload(padded_stop(fcm_bytes, 4097));
    REQUIRE(over.has_value());
    auto refused = check_deliverable(*over, Platform::fcm, PushType::voip);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ExitCode::bad_input);
    CHECK(refused.error().message == "the payload is too big for FCM: message.data is 4097 bytes as JSON, the limit is 4096");

    for (const auto type : {PushType::alert, PushType::background}) {
        auto fits = map_payload(padded_stop(apns_bytes, 4096));
        REQUIRE(fits.has_value());
        CHECK(check_deliverable(*fits, Platform::apns, type).has_value());
        auto too_big = map_payload(padded_stop(apns_bytes, 4097));
        REQUIRE(too_big.has_value());
        CHECK(check_deliverable(*too_big, Platform::apns, type).error().message ==
              fmt::format("the payload is too big for an APNs {} push: the body is 4097 bytes, the limit is 4096", to_string(type)));
    }
    auto voip = map_payload(padded_stop(apns_bytes, 5120));
    REQUIRE(voip.has_value());
    CHECK(check_deliverable(*voip, Platform::apns, PushType::voip).has_value());
    CHECK_FALSE(check_deliverable(*voip, Platform::apns, PushType::alert).has_value());  // VoIP's extra room only
    auto voip_over = map_payload(padded_stop(apns_bytes, 5121));
    REQUIRE(voip_over.has_value());
    CHECK(check_deliverable(*voip_over, Platform::apns, PushType::voip).error().message ==
          "the payload is too big for an APNs voip push: the body is 5121 bytes, the limit is 5120");

    // Multi-byte UTF-8 counts in bytes, not characters: 2100 "é" are 4200 bytes.
    std::string accents;
    for (int i = 0; i < 2100; ++i) accents += "\xc3\xa9";
    auto utf8 = map_payload(Json{{"type", "Call.StopIncoming"}, {"iotDeviceId", "dev_42"}, {"pad", accents}}.dump());
    REQUIRE(utf8.has_value());
    CHECK(fcm_data_text(*utf8->fcm_data).size() == 4200 + std::string(R"({"type":"Call.StopIncoming","iotDeviceId":"dev_42","pad":""})").size());
    CHECK_FALSE(check_deliverable(*utf8, Platform::fcm, PushType::voip).has_value());
}

TEST_CASE("enums: push type and priority") {
    CHECK(*parse_push_type("VoIP") == PushType::voip);
    CHECK(*parse_push_type("alert") == PushType::alert);
    CHECK(*parse_push_type("Background") == PushType::background);
    CHECK(parse_push_type("silent").error().code == ExitCode::usage);
    CHECK(*parse_priority("HIGH") == Priority::high);
    CHECK(*parse_priority("normal") == Priority::normal);
    CHECK(parse_priority("low").error().message == "unknown --priority 'low' (expected high or normal)");
}
