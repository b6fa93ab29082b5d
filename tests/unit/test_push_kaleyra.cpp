#include <doctest/doctest.h>

#include <vector>

#include "push_testutil.hpp"

using namespace callctl;
using namespace callctl::testing;
using push::Json;

namespace {

const std::string seed_expected =
    R"({"vendor":"kaleyra","event":"call.incoming","vendor_event":"on_call_incoming","room_id":"room_f61b4d202472",)"
    R"("caller":"usr_123","callees":[{"user":"usr_123","status":"invited"},{"user":"usr_999","status":"invited"}],)"
    R"("call_type":"audio_upgradable","recording":{"enabled":true,"type":"automatic"},)"
    R"("created_at":"2022-05-26T09:04:38.097Z","live":true,"duration":0})";

std::string signature_for(const std::string& body, long long t, const std::string& secret) {
    return "t=" + std::to_string(t) + ",v0=" + crypto::hex_encode(crypto::hmac_sha256(secret, std::to_string(t) + "." + body));
}

}  // namespace

TEST_CASE("kaleyra: the seed's on_call_incoming example") {
    const std::string body = read_test_data("kaleyra_on_call_incoming.json");
    REQUIRE_FALSE(body.empty());
    auto decoded = push::decode(body, {});
    REQUIRE(decoded.has_value());
    CHECK(decoded->normalized.dump() == seed_expected);
    CHECK(decoded->warnings.empty());
}

TEST_CASE("kaleyra: every transport wrapper, incl. the body as text in data.message") {
    const Json data = Json::parse(read_test_data("kaleyra_on_call_incoming.json"));
    for (const auto transport : all_transports) {
        CAPTURE(name_of(transport));
        auto decoded = push::decode(wrap(data, transport).dump(), {});
        REQUIRE(decoded.has_value());
        CHECK(decoded->normalized.dump() == seed_expected);
    }
    // FCM legacy with the body as a string under data.message (what Android apps get)
    const Json legacy = {{"to", "tok"}, {"data", {{"message", data.dump()}}}};
    CHECK(push::decode(legacy.dump(), {})->normalized.dump() == seed_expected);
}

TEST_CASE("kaleyra: v1 envelope") {
    const std::string body = R"({"event":"on_call_incoming","event_version":"1.0","namespace":"room",
        "timestamp":1653555878097,"data":{"room_id":"room_1","initiator":"usr_1",
        "users":[{"user":{"userAlias":"usr_2"},"status":"invited"}],"options":{"callType":"audio_video","record":false}}})";
    auto decoded = push::decode(body, {});
    REQUIRE(decoded.has_value());
    CHECK(decoded->normalized.dump() ==
          R"({"vendor":"kaleyra","event":"call.incoming","vendor_event":"on_call_incoming","event_version":"1.0",)"
          R"("namespace":"room","timestamp":"2022-05-26T09:04:38.097Z","caller":"usr_1",)"
          R"("callees":[{"user":"usr_2","status":"invited"}],"call_type":"audio_video","recording":{"enabled":false}})");
    // an unprefixed v1 event is still recognised by event_version + namespace
    auto other = push::decode(R"({"event":"call_ended","event_version":"1.0","namespace":"room","data":{"x":1}})", {});
    REQUIRE(other.has_value());
    CHECK(other->normalized["event"] == "call_ended");
    CHECK(other->normalized["data"] == Json{{"x", 1}});
}

TEST_CASE("kaleyra: other events") {
    auto missed = push::decode(R"({"event":"on_missed_call","room_id":"room_9","data":{"caller_id":"usr_1",
        "called_users":[{"user_id":"usr_2","status":"not_answered"}]}})", {});
    REQUIRE(missed.has_value());
    CHECK(missed->normalized.dump() ==
          R"({"vendor":"kaleyra","event":"call.missed","vendor_event":"on_missed_call","room_id":"room_9",)"
          R"("caller":"usr_1","callees":[{"user":"usr_2","status":"not_answered"}]})");

    auto message = push::decode(R"({"event":"on_message_sent","data":{"chat_id":"c1","message":"hi"}})", {});
    REQUIRE(message.has_value());
    CHECK(message->normalized.dump() ==
          R"({"vendor":"kaleyra","event":"message","vendor_event":"on_message_sent","data":{"chat_id":"c1","message":"hi"}})");

    auto deleted = push::decode(R"({"event":"on_room_deleted","room_id":"room_3","data":{}})", {});
    REQUIRE(deleted.has_value());
    CHECK(deleted->normalized["event"] == "room.deleted");
    CHECK(deleted->normalized["room_id"] == "room_3");

    auto unknown = push::decode(R"({"event":"on_recording_ready","data":{"url":"u"}})", {});
    REQUIRE(unknown.has_value());
    CHECK(unknown->normalized.dump() ==
          R"({"vendor":"kaleyra","event":"on_recording_ready","vendor_event":"on_recording_ready","data":{"url":"u"}})");
}

TEST_CASE("kaleyra: webhook signature") {
    const std::string body = read_test_data("kaleyra_on_call_incoming.json");
    const std::string secret = "company-api-key";
    const long long t = 1653555878;
    push::DecodeOptions options;
    options.signature_secret = secret;
    options.now = at(t + 10);

    SUBCASE("good, with and without the header name") {
        for (const char* prefix : {"", "bandyer-signature: "}) {
            options.signature_header = std::string(prefix) + signature_for(body, t, secret);
            auto decoded = push::decode(body, options);
            REQUIRE(decoded.has_value());
            CHECK(decoded->normalized["signature"].dump() == R"({"verified":true,"scheme":"kaleyra-v1","signed_at":"2022-05-26T09:04:38Z"})");
            CHECK(decoded->warnings.empty());
        }
    }
    SUBCASE("good but old: a replay warning") {
        options.signature_header = signature_for(body, t, secret);
        options.now = at(t + 3600);
        auto decoded = push::decode(body, options);
        REQUIRE(decoded.has_value());
        CHECK(decoded->warnings.size() == 1);
    }
    SUBCASE("one of several v0 entries matches") {
        options.signature_header = "t=" + std::to_string(t) + ",v0=" + std::string(64, '0') + "," +
                                   signature_for(body, t, secret).substr(std::to_string(t).size() + 3);
        CHECK(push::decode(body, options).has_value());
    }
    SUBCASE("bad: other secret, changed body, changed t") {
        options.signature_header = signature_for(body, t, "other");
        CHECK(push::decode(body, options).error().code == ExitCode::push_crypto);
        options.signature_header = signature_for(body, t, secret);
        std::string changed = body;
        changed[changed.find("usr_999")] = 'U';
        auto r = push::decode(changed, options);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == ExitCode::push_crypto);
        CHECK(r.error().message == "signature does not match");
        options.signature_header = "t=" + std::to_string(t + 1) + signature_for(body, t, secret).substr(12);
        CHECK(push::decode(body, options).error().code == ExitCode::push_crypto);
    }
    SUBCASE("malformed headers are usage errors") {
        for (const std::string& header : std::vector<std::string>{"", "garbage", "t=abc,v0=00", "v0=" + std::string(64, 'a'), "t=1",
                                         "t=1,v0=xyz", "t=1,v0=abcd", "x-signature: t=1,v0=" + std::string(64, 'a')}) {
            CAPTURE(header);
            options.signature_header = header;
            auto r = push::decode(body, options);
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().code == ExitCode::usage);
        }
    }
    SUBCASE("header without secret, and signatures on other vendors") {
        options.signature_secret.reset();
        options.signature_header = signature_for(body, t, secret);
        CHECK(push::decode(body, options).error().code == ExitCode::usage);
        options.signature_secret = secret;
        CHECK(push::decode(R"({"type":"Call.StopIncoming","iotDeviceId":"d"})", options).error().code == ExitCode::usage);
    }
}
