// send-webhook's library (webhook/send_webhook.hpp, webhook/examples.hpp):
// --set paths, reading a body or a listen --record file, signing checked by
// push::verify_signature (the code listen and decode-push use), results and
// their exit codes, and the example bodies decode as their events.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "callctl/crypto/crypto.hpp"
#include "callctl/push/signature.hpp"
#include "callctl/webhook/send_webhook.hpp"
#include "testutil.hpp"

using namespace callctl;
using namespace std::chrono_literals;
using webhook::Json;

namespace {

webhook::FieldAssignment assignment(std::string_view text) {
    auto parsed = webhook::parse_assignment(text);
    REQUIRE(parsed.has_value());
    return *parsed;
}

webhook::InputOptions origin(std::string name = "body.json") {
    webhook::InputOptions options;
    options.origin = std::move(name);
    return options;
}

const http::Header* header(const http::Request& request, std::string_view name) {
    for (const auto& h : request.headers) {
        if (h.name == name) return &h;
    }
    return nullptr;
}

std::string record_line(const Json& headers, const std::string& body, const std::string& method = "POST", int status = 200) {
    return Json{{"received_at", "2024-05-26T09:04:38.097Z"}, {"method", method}, {"path", "/hook"}, {"headers", headers},
                {"body", body}, {"status", status}}
        .dump();
}

const std::string kaleyra_body = R"({"event":"on_call_incoming","room_id":"room_1","data":{"initiator":"a"}})";
const std::string webex_body = R"({"resource":"telephony_push","event":"updated","actorId":"p"})";

}  // namespace

TEST_CASE("webhook --set: paths, values, created objects, refusals") {
    Json body = Json::parse(R"({"event":"on_call_incoming","data":{"initiator":"a","n":1}})");
    CHECK(webhook::apply_assignment(body, assignment("data.initiator=usr_7")));
    CHECK(webhook::apply_assignment(body, assignment("data.options.record=false")));
    CHECK(webhook::apply_assignment(body, assignment("data.n=[1,{\"x\":2}]")));
    CHECK(webhook::apply_assignment(body, assignment("room_id=\"42\"")));
    CHECK(webhook::apply_assignment(body, assignment("count=42")));
    CHECK(webhook::apply_assignment(body, assignment(R"(a\.b=x=y)")));
    CHECK(webhook::apply_assignment(body, assignment("empty=")));
    CHECK(body.dump() ==
          R"({"event":"on_call_incoming","data":{"initiator":"usr_7","n":[1,{"x":2}],"options":{"record":false}},)"
          R"("room_id":"42","count":42,"a.b":"x=y","empty":""})");

    // Through a non-object: usage (2), naming the step.
    auto through_string = webhook::apply_assignment(body, assignment("event.x=1"));
    REQUIRE_FALSE(through_string);
    CHECK(through_string.error().code == ExitCode::usage);
    CHECK(through_string.error().message == "--set event.x: event is a string, not an object");
    auto through_array = webhook::apply_assignment(body, assignment("data.n.x=1"));
    REQUIRE_FALSE(through_array);
    CHECK(through_array.error().message == "--set data.n.x: data.n is an array, not an object");
    Json array = Json::array();
    CHECK(webhook::apply_assignment(array, assignment("a=1")).error().code == ExitCode::usage);

    for (const char* bad : {"no-equals", "=1", ".a=1", "a..b=1", "a.=1"}) {
        CAPTURE(bad);
        auto parsed = webhook::parse_assignment(bad);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().code == ExitCode::usage);
    }
    // JSON nested too deep stays text rather than a value the printer cannot walk.
    const std::string deep = "x=" + std::string(100000, '[') + std::string(100000, ']');
    CHECK(assignment(deep).value.is_string());
}

TEST_CASE("webhook inputs: one body, exact bytes unless --set") {
    const std::string pretty = "{\n  \"event\": \"on_call_incoming\",\n  \"room_id\": \"room_1\"\n}\n";
    auto inputs = webhook::read_inputs(pretty, origin());
    REQUIRE(inputs.has_value());
    REQUIRE(inputs->webhooks.size() == 1);
    CHECK(inputs->webhooks[0].body == pretty);
    CHECK(inputs->webhooks[0].vendor == push::Vendor::kaleyra);
    CHECK(inputs->webhooks[0].event == "on_call_incoming");
    CHECK_FALSE(inputs->from_record);

    auto options = origin();
    options.assignments.push_back(assignment("room_id=room_2"));
    auto edited = webhook::read_inputs(pretty, options);
    REQUIRE(edited.has_value());
    CHECK(edited->webhooks[0].body == R"({"event":"on_call_incoming","room_id":"room_2"})");

    auto webex = webhook::read_inputs(webex_body, origin());
    REQUIRE(webex.has_value());
    CHECK(webex->webhooks[0].vendor == push::Vendor::webex);
    CHECK(webex->webhooks[0].event == "telephony_push");

    SUBCASE("refused") {
        auto not_json = webhook::read_inputs("{nope", origin());
        CHECK(not_json.error().code == ExitCode::bad_input);
        CHECK(not_json.error().message.rfind("body.json is not JSON", 0) == 0);
        auto unknown = webhook::read_inputs(R"({"hello":1})", origin());
        CHECK(unknown.error().message == "body.json is not a Kaleyra or Webex webhook");
        auto intercom = webhook::read_inputs(R"({"type":"Call.Incoming","iotDeviceId":"dev_1"})", origin());
        CHECK(intercom.error().message == "body.json is an intercom push, not a webhook");
        CHECK(webhook::read_inputs("  \n", origin()).error().message == "body.json is empty");
        const std::string huge = R"({"event":"on_x","pad":")" + std::string(webhook::max_body_bytes, 'x') + "\"}";
        CHECK(webhook::read_inputs(huge, origin()).error().code == ExitCode::bad_input);
        const std::string deep = std::string(300, '[') + std::string(300, ']');
        CHECK(webhook::read_inputs(deep, origin()).error().message == "body.json nests deeper than 256 levels");
    }
    SUBCASE("--vendor signs any body, JSON or not") {
        auto options_vendor = origin();
        options_vendor.vendor = push::Vendor::webex;
        auto anything = webhook::read_inputs("not json at all", options_vendor);
        REQUIRE(anything.has_value());
        CHECK(anything->webhooks[0].body == "not json at all");
        CHECK(anything->webhooks[0].vendor == push::Vendor::webex);
    }
}

TEST_CASE("webhook inputs: a listen --record file, line by line") {
    const Json signed_v1 = {{"host", "127.0.0.1:1"}, {"content-type", "application/json"}, {"content-length", "77"},
                            {"bandyer-signature", "t=1700000000123,v0=00"}, {"user-agent", "Kaleyra/1"},
                            {"connection", "keep-alive"}, {"x-request-id", "r1"}};
    const std::string record = record_line(signed_v1, kaleyra_body) + "\n\n" +
                               record_line({{"host", "h"}}, "", "GET", 405) + "\n" +
                               Json{{"received_at", "t"}, {"method", "POST"}, {"path", "/"}, {"headers", Json::object()},
                                    {"body_omitted", true}, {"status", 413}}.dump() + "\n" +
                               record_line({{"x-spark-signature", "ab"}}, webex_body, "POST", 401) + "\n" +
                               record_line(Json::object(), "not json", "POST", 400) + "\n" +
                               record_line({{"room-id-hmac", "cd"}}, kaleyra_body) + "\n";
    auto inputs = webhook::read_inputs(record, origin("rec.jsonl"));
    REQUIRE(inputs.has_value());
    CHECK(inputs->from_record);
    REQUIRE(inputs->webhooks.size() == 3);
    const auto& first = inputs->webhooks[0];
    CHECK(first.line == 1);
    CHECK(first.body == kaleyra_body);
    CHECK(first.recorded_scheme == webhook::KaleyraScheme::v1_millis);
    REQUIRE(first.headers.size() == 3);  // content-type, user-agent, x-request-id, in the record's order
    CHECK(first.headers[0].name == "content-type");
    CHECK(first.headers[1].name == "user-agent");
    CHECK(first.headers[2].name == "x-request-id");
    CHECK(inputs->webhooks[1].line == 5);
    CHECK(inputs->webhooks[1].vendor == push::Vendor::webex);
    CHECK(inputs->webhooks[1].headers.empty());
    CHECK(inputs->webhooks[2].line == 7);
    CHECK(inputs->webhooks[2].recorded_scheme == webhook::KaleyraScheme::v0);
    REQUIRE(inputs->notes.size() == 3);
    CHECK(inputs->notes[0] == "rec.jsonl line 3: a GET request (listen answered it 405): skipped, webhooks are POSTs");
    CHECK(inputs->notes[1] == "rec.jsonl line 4: its body was not recorded (listen answered it 413): skipped");
    CHECK(inputs->notes[2] ==
          "rec.jsonl line 6: the body is not JSON (listen answered it 400): skipped (--vendor kaleyra|webex sends it anyway)");

    SUBCASE("a one-line record and base64 bodies") {
        const std::string line = Json{{"received_at", "t"}, {"method", "POST"}, {"path", "/"}, {"headers", Json::object()},
                                      {"body_base64", crypto::base64_encode(kaleyra_body)}}
                                     .dump();
        auto one = webhook::read_inputs(line, origin("one.jsonl"));
        REQUIRE(one.has_value());
        CHECK(one->from_record);
        CHECK(one->webhooks[0].body == kaleyra_body);
    }
    SUBCASE("malformed lines are bad input, naming the line") {
        auto broken = webhook::read_inputs(record_line(signed_v1, kaleyra_body) + "\n{\"received_at\":", origin("r"));
        CHECK(broken.error().code == ExitCode::bad_input);
        CHECK(broken.error().message.rfind("r line 2 is not JSON", 0) == 0);
        auto injected = webhook::read_inputs(record_line({{"x-evil", "a\r\nHost: b"}}, kaleyra_body), origin("r"));
        CHECK(injected.error().message == "r line 1: not a listen --record line: header x-evil holds a line break or NUL");
        auto nothing = webhook::read_inputs(record_line({{"host", "h"}}, "", "GET", 405), origin("r"));
        CHECK(nothing.error().message == "r: no request in the record to replay (1 skipped)");
    }
}

TEST_CASE("webhook signing: verified by the code listen uses") {
    const auto now = std::chrono::system_clock::now();
    webhook::SignOptions sign;
    sign.kaleyra_api_key = "ak_live_123456";
    sign.webex_secret = "whsec";
    auto kaleyra = webhook::read_inputs(kaleyra_body, origin());
    REQUIRE(kaleyra.has_value());
    const auto& item = kaleyra->webhooks[0];

    for (auto scheme : {webhook::KaleyraScheme::v1, webhook::KaleyraScheme::v1_millis, webhook::KaleyraScheme::v0}) {
        CAPTURE(static_cast<int>(scheme));
        sign.kaleyra_scheme = scheme;
        auto signed_request = webhook::signed_request(item, "http://127.0.0.1:9/in", sign, now);
        REQUIRE(signed_request.has_value());
        const http::Request& request = signed_request->request;
        CHECK(request.method == http::Method::post);
        CHECK(request.replay == http::Replay::unsafe);
        CHECK(request.body == kaleyra_body);
        CHECK(header(request, "Content-Type")->value == "application/json");
        const auto* signature = header(request, scheme == webhook::KaleyraScheme::v0 ? "room-id-hmac" : "bandyer-signature");
        REQUIRE(signature != nullptr);
        auto verified = push::verify_signature(push::Vendor::kaleyra, signature->value, "ak_live_123456", request.body, 300s, now);
        REQUIRE(verified.has_value());
        CHECK(verified->scheme == (scheme == webhook::KaleyraScheme::v0 ? "kaleyra-v0" : "kaleyra-v1"));
        if (scheme != webhook::KaleyraScheme::v0) CHECK(verified->t_in_millis == (scheme == webhook::KaleyraScheme::v1_millis));
    }

    auto webex = webhook::read_inputs(webex_body, origin());
    auto signed_webex = webhook::signed_request(webex->webhooks[0], "http://127.0.0.1:9/in", sign, now);
    REQUIRE(signed_webex.has_value());
    CHECK(signed_webex->scheme == "webex");
    const auto* spark = header(signed_webex->request, "X-Spark-Signature");
    REQUIRE(spark != nullptr);
    CHECK(push::verify_signature(push::Vendor::webex, spark->value, "whsec", webex_body, 0s, now).has_value());

    SUBCASE("a recorded scheme is kept unless told otherwise; recorded content-type too") {
        webhook::SignOptions plain;
        plain.kaleyra_api_key = "k";
        auto record = webhook::read_inputs(record_line({{"room-id-hmac", "x"}, {"content-type", "application/json; charset=utf-8"}},
                                                       kaleyra_body),
                                           origin());
        auto resigned = webhook::signed_request(record->webhooks[0], "http://h/", plain, now);
        REQUIRE(resigned.has_value());
        CHECK(resigned->scheme == "kaleyra-v0");
        CHECK(header(resigned->request, "Content-Type") == nullptr);
        CHECK(header(resigned->request, "content-type")->value == "application/json; charset=utf-8");
    }
    SUBCASE("what cannot be signed is refused before anything is sent") {
        webhook::SignOptions none;
        auto missing = webhook::check_signable(kaleyra->webhooks, none);
        CHECK(missing.error().code == ExitCode::auth);
        CHECK(missing.error().message == "no Kaleyra API key to sign the webhook with");
        CHECK(webhook::check_signable(webex->webhooks, none).error().message == "no Webex webhook secret to sign the webhook with");
        none.unsigned_requests = true;
        CHECK(webhook::check_signable(kaleyra->webhooks, none));
        auto unsigned_request = webhook::signed_request(item, "http://h/", none, now);
        CHECK(unsigned_request->scheme == "none");
        CHECK(header(unsigned_request->request, "bandyer-signature") == nullptr);

        webhook::SignOptions v0;
        v0.kaleyra_api_key = "k";
        v0.kaleyra_scheme = webhook::KaleyraScheme::v0;
        auto no_room = webhook::read_inputs(R"({"event":"on_call_incoming"})", origin());
        CHECK(webhook::check_signable(no_room->webhooks, v0).error().code == ExitCode::bad_input);
    }
}

TEST_CASE("webhook results: status to exit code, JSON shape") {
    auto inputs = webhook::read_inputs(kaleyra_body, origin());
    const auto& item = inputs->webhooks[0];
    webhook::SignOptions sign;
    sign.unsigned_requests = true;
    auto sent = webhook::signed_request(item, "http://127.0.0.1:9/in", sign, std::chrono::system_clock::now());
    REQUIRE(sent.has_value());

    auto with_status = [&](long status, std::string body = {}) {
        http::Response response;
        response.status = status;
        response.body = std::move(body);
        response.elapsed = 12ms;
        return webhook::delivery_of(item, *sent, http::Outcome(std::move(response)));
    };
    const auto ok = with_status(204);
    CHECK(ok.ok);
    CHECK(ok.code == ExitCode::ok);
    CHECK(webhook::to_json(ok).dump() ==
          R"({"to":"http://127.0.0.1:9/in","status":204,"ok":true,"vendor":"kaleyra","event":"on_call_incoming",)"
          R"("signature":"none","attempts":1,"elapsed_ms":12})");
    const auto refused = with_status(401, R"({"error":"signature does not match"})");
    CHECK(refused.code == ExitCode::http_client);
    CHECK(webhook::to_json(refused)["message"] == "signature does not match");
    CHECK(with_status(302).code == ExitCode::http_client);
    CHECK(with_status(500).code == ExitCode::http_server);

    http::TransportError refused_connection;
    refused_connection.kind = http::TransportFailure::refused;
    refused_connection.message = "Connection refused";
    const auto dead = webhook::delivery_of(item, *sent, http::Outcome(refused_connection));
    CHECK(dead.code == ExitCode::network);
    CHECK_FALSE(dead.status);
    CHECK(webhook::to_json(dead)["status"].is_null());
    CHECK(webhook::to_json(dead).contains("error"));
}

TEST_CASE("webhook --to: http(s) URLs only") {
    CHECK(webhook::check_target_url("http://127.0.0.1:8080/hooks"));
    CHECK(webhook::check_target_url("HTTPS://example.com"));
    for (const char* bad : {"", "ftp://x", "http://", "http:///path", "127.0.0.1:80", "http://a b/"}) {
        CAPTURE(bad);
        CHECK(webhook::check_target_url(bad).error().code == ExitCode::usage);
    }
}

TEST_CASE("webhook examples: each decodes as its event, with fresh ids and the current time") {
    const auto now = std::chrono::system_clock::now();
    webhook::ExampleParams params;
    params.now = now;
    params.callees = {"usr_2", "usr_3"};
    struct Expected {
        const char* name;
        const char* event;
    };
    for (const auto& [name, event] : {Expected{"on_call_incoming", "call.incoming"}, Expected{"on_missed_call", "call.missed"},
                                      Expected{"on_message_sent", "message"}, Expected{"on_room_deleted", "room.deleted"},
                                      Expected{"telephony_push", "call.incoming"}}) {
        CAPTURE(name);
        for (bool v1 : {false, true}) {
            params.kaleyra_v1 = v1;
            auto body = webhook::example_webhook(name, params);
            REQUIRE(body.has_value());
            auto decoded = push::decode(body->dump(), {});
            REQUIRE(decoded.has_value());
            CHECK(decoded->normalized["event"] == event);
            CHECK(decoded->normalized["vendor"] == (std::string_view(name) == "telephony_push" ? "webex" : "kaleyra"));
            if (v1 && std::string_view(name) != "telephony_push") {
                CHECK((*body)["event_version"] == "1.0");
                CHECK((*body)["timestamp"].get<long long>() ==
                      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
            }
        }
    }
    params.kaleyra_v1 = false;
    auto incoming = webhook::example_webhook("on_call_incoming", params);
    const auto decoded = push::decode(incoming->dump(), {});
    CHECK(decoded->normalized["caller"] == "usr_123");
    CHECK(decoded->normalized["callees"].dump() ==
          R"([{"user":"usr_123","status":"invited"},{"user":"usr_2","status":"invited"},{"user":"usr_3","status":"invited"}])");
    CHECK(decoded->normalized["created_at"] == webhook::iso8601_millis(now));
    const std::string room = (*incoming)["room_id"];
    CHECK(room.size() == 17);
    CHECK(room.rfind("room_", 0) == 0);
    CHECK((*webhook::example_webhook("on_call_incoming", params))["room_id"] != room);  // fresh each time

    params.person_id = "person_1";
    auto webex = webhook::example_webhook("telephony_push", params);
    CHECK((*webex)["actorId"] == "person_1");
    CHECK((*webex)["createdBy"] == "person_1");
    CHECK(Json::parse((*webex)["data"]["fcmPayload"]["webhookTelephonyPush"].get<std::string>()).size() == 5);
    CHECK(crypto::base64_decode((*webex)["id"].get<std::string>())->rfind("ciscospark://us/WEBHOOK/", 0) == 0);

    auto unknown = webhook::example_webhook("on_x", params);
    CHECK(unknown.error().code == ExitCode::usage);
    CHECK(unknown.error().message ==
          "unknown --event 'on_x': known events are on_call_incoming, on_missed_call, on_message_sent, on_room_deleted, "
          "telephony_push");
    CHECK(webhook::webex_id("PEOPLE", "tester") == "Y2lzY29zcGFyazovL3VzL1BFT1BMRS90ZXN0ZXI");
}

TEST_CASE("webhook read_input: a size limit, checked before reading") {
    testing::TempDir dir;
    const auto path = (dir / "big").string();
    std::ofstream(path) << std::string(2048, 'x');
    CHECK(webhook::read_input(path, 4096)->size() == 2048);
    auto big = webhook::read_input(path, 1024);
    CHECK(big.error().code == ExitCode::bad_input);
    CHECK(big.error().message == path + " is 2048 bytes, more than the 1024 bytes callctl reads");
    CHECK(webhook::read_input((dir / "missing").string()).error().code == ExitCode::bad_input);
}
