// Webhook signatures (push/signature.hpp): Kaleyra's published vector, the
// same with t in milliseconds, v0 room-id-hmac and Webex X-Spark-Signature
// with MACs computed by the openssl command line, tolerance edges, and
// malformed values.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "callctl/push/signature.hpp"
#include "callctl/util/strings.hpp"
#include "push_testutil.hpp"
#include "testutil.hpp"

using namespace callctl;
using namespace callctl::testing;
using namespace std::chrono_literals;
using push::Vendor;

namespace {

// Kaleyra's published example.
const std::string vector_key = "ak_live_123456";
const std::string vector_body = R"({"event":"test"})";
const long long vector_t = 1554193902;
const std::string vector_mac = "6841e55cb12f2d9d1216c47097c75fd737a22a3a00c8d8f8d3d35fb2b613ce5b";

// `openssl dgst -<digest> -hmac KEY` over `data`: an independent HMAC.
// The keys used here are plain words, safe unquoted in a shell.
std::string openssl_hmac(const std::string& digest, const std::string& key, const std::string& data) {
    TempDir dir;
    const auto path = dir / "data";
    std::ofstream(path, std::ios::binary) << data;
    const std::string command = "openssl dgst -" + digest + " -hmac '" + key + "' -r '" + path.string() + "' 2>/dev/null";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    char buffer[256];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
    REQUIRE(::pclose(pipe) == 0);
    const auto space = out.find(' ');
    REQUIRE(space != std::string::npos);
    return out.substr(0, space);  // "-r": "<hex> *<file>"
}

Result<push::SignatureCheck> verify(Vendor vendor, const std::string& value, const std::string& secret,
                                    const std::string& body, std::chrono::seconds tolerance = 0s,
                                    std::chrono::system_clock::time_point now = at(vector_t)) {
    return push::verify_signature(vendor, value, secret, body, tolerance, now);
}

ExitCode code_of(const Result<push::SignatureCheck>& result) { return result ? ExitCode::ok : result.error().code; }

std::string flip_last_digit(std::string hex) {
    hex.back() = hex.back() == '0' ? '1' : '0';
    return hex;
}

}  // namespace

TEST_CASE("kaleyra v1: the published vector") {
    CHECK(push::sign_kaleyra_v1(vector_key, vector_t, vector_body) == "t=1554193902,v0=" + vector_mac);
    CHECK(openssl_hmac("sha256", vector_key, std::to_string(vector_t) + "." + vector_body) == vector_mac);

    auto check = verify(Vendor::kaleyra, "t=1554193902,v0=" + vector_mac, vector_key, vector_body);
    REQUIRE(check.has_value());
    CHECK(check->scheme == "kaleyra-v1");
    CHECK(check->signed_at == vector_t);
    CHECK(check->signed_at_ms == vector_t * 1000);
    CHECK_FALSE(check->t_in_millis);

    SUBCASE("the header name, spaces and upper-case hex are tolerated") {
        for (const std::string& value : {"bandyer-signature: t=1554193902,v0=" + vector_mac,
                                         "Bandyer-Signature:t=1554193902, v0=" + vector_mac,
                                         " t = 1554193902 , v0 = " + util::to_upper(vector_mac) + " "}) {
            CAPTURE(value);
            CHECK(verify(Vendor::kaleyra, value, vector_key, vector_body).has_value());
        }
    }
    SUBCASE("any change breaks it") {
        CHECK(code_of(verify(Vendor::kaleyra, "t=1554193902,v0=" + vector_mac, vector_key, vector_body + "\n")) ==
              ExitCode::push_crypto);
        CHECK(code_of(verify(Vendor::kaleyra, "t=1554193903,v0=" + vector_mac, vector_key, vector_body)) ==
              ExitCode::push_crypto);
        CHECK(code_of(verify(Vendor::kaleyra, "t=1554193902,v0=" + vector_mac, "ak_live_123457", vector_body)) ==
              ExitCode::push_crypto);
        auto wrong = verify(Vendor::kaleyra, "t=1554193902,v0=" + flip_last_digit(vector_mac), vector_key, vector_body);
        REQUIRE_FALSE(wrong.has_value());
        CHECK(wrong.error().message == "signature does not match");
    }
    SUBCASE("the legacy entry point still answers t") {
        CHECK(*push::verify_kaleyra_signature("t=1554193902,v0=" + vector_mac, vector_key, vector_body) == vector_t);
        CHECK(push::verify_kaleyra_signature(vector_mac, vector_key, vector_body).error().code == ExitCode::usage);
    }
}

TEST_CASE("kaleyra v1: the same vector with t in milliseconds") {
    const long long t_ms = vector_t * 1000 + 123;
    const std::string mac = openssl_hmac("sha256", vector_key, std::to_string(t_ms) + "." + vector_body);
    CHECK(mac != vector_mac);
    CHECK(push::sign_kaleyra_v1(vector_key, t_ms, vector_body) == "t=" + std::to_string(t_ms) + ",v0=" + mac);

    auto check = verify(Vendor::kaleyra, "t=" + std::to_string(t_ms) + ",v0=" + mac, vector_key, vector_body);
    REQUIRE(check.has_value());
    CHECK(check->t_in_millis);
    CHECK(check->signed_at == vector_t);  // rounded down
    CHECK(check->signed_at_ms == t_ms);
    // The MAC is over the digits as sent: the same instant in seconds is another message.
    CHECK(code_of(verify(Vendor::kaleyra, "t=1554193902,v0=" + mac, vector_key, vector_body)) == ExitCode::push_crypto);
}

TEST_CASE("kaleyra v1: seconds below 10^11, milliseconds from it") {
    for (const auto& [t, millis] : std::vector<std::pair<long long, bool>>{
             {0, false}, {99'999'999'999, false}, {100'000'000'000, true}, {1'700'000'000'000, true}}) {
        CAPTURE(t);
        auto check = verify(Vendor::kaleyra, push::sign_kaleyra_v1("k", t, "{}"), "k", "{}");
        REQUIRE(check.has_value());
        CHECK(check->t_in_millis == millis);
        CHECK(check->signed_at == (millis ? t / 1000 : t));
    }
}

TEST_CASE("kaleyra v1: several v0 entries, the matching one anywhere") {
    const std::string zeros(64, '0');
    for (const std::string& value : {"t=1554193902,v0=" + vector_mac + ",v0=" + zeros,
                                     "t=1554193902,v0=" + zeros + ",v0=" + vector_mac,
                                     "v0=" + zeros + ",t=1554193902,v1=whatever,v0=" + vector_mac}) {
        CAPTURE(value);
        CHECK(verify(Vendor::kaleyra, value, vector_key, vector_body).has_value());
    }
    CHECK(code_of(verify(Vendor::kaleyra, "t=1554193902,v0=" + zeros + ",v0=" + flip_last_digit(vector_mac), vector_key,
                         vector_body)) == ExitCode::push_crypto);
}

TEST_CASE("kaleyra v1: mismatches in the first and in the last byte fail alike") {
    std::string first = vector_mac;
    first[0] = first[0] == 'f' ? 'e' : 'f';
    for (const std::string& mac : {first, flip_last_digit(vector_mac), std::string(64, 'f')}) {
        CAPTURE(mac);
        auto r = verify(Vendor::kaleyra, "t=1554193902,v0=" + mac, vector_key, vector_body);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == ExitCode::push_crypto);
        CHECK(r.error().message == "signature does not match");
    }
}

TEST_CASE("kaleyra v1: tolerance") {
    const long long t = 1'700'000'000;
    const std::string body = R"({"event":"on_call_incoming","room_id":"room_1"})";
    const std::string value = push::sign_kaleyra_v1("key", t, body);
    auto with = [&](std::chrono::seconds tolerance, std::chrono::system_clock::time_point now) {
        return verify(Vendor::kaleyra, value, "key", body, tolerance, now);
    };
    CHECK(with(300s, at(t)).has_value());
    CHECK(with(300s, at(t + 300)).has_value());                                  // exactly at the bound
    CHECK(with(300s, at(t + 300) + 999ms).has_value());                          // a seconds t: whole seconds count
    CHECK(with(300s, at(t - 300)).has_value());                                  // in the future, at the bound
    CHECK(with(0s, at(t + 10'000'000)).has_value());                             // 0: off
    CHECK(with(-5s, at(t + 10'000'000)).has_value());                            // negative: off too

    auto old = with(300s, at(t + 301));                                          // 1 s past
    REQUIRE_FALSE(old.has_value());
    CHECK(old.error().code == ExitCode::push_crypto);
    CHECK(old.error().message == "signature is too old: made 301 s before now, over the tolerance of 300 s");
    auto future = with(300s, at(t - 301));
    REQUIRE_FALSE(future.has_value());
    CHECK(future.error().code == ExitCode::push_crypto);
    CHECK(future.error().message == "signature is from the future: made 301 s after now, over the tolerance of 300 s");

    SUBCASE("t in milliseconds is compared to the millisecond") {
        const long long t_ms = t * 1000 + 500;
        const std::string ms_value = push::sign_kaleyra_v1("key", t_ms, body);
        const auto sent = std::chrono::system_clock::time_point(std::chrono::milliseconds(t_ms));
        auto ms = [&](std::chrono::system_clock::time_point now) {
            return verify(Vendor::kaleyra, ms_value, "key", body, 300s, now);
        };
        CHECK(ms(sent + 300s).has_value());
        CHECK(ms(sent - 300s).has_value());
        CHECK(ms(sent + 300s + 1ms).error().message ==
              "signature is too old: made 300001 ms before now, over the tolerance of 300 s");
        CHECK(code_of(ms(sent - 300s - 1ms)) == ExitCode::push_crypto);
        // The largest --tolerance: any age, and no signed overflow (undefined
        // behaviour) when the limit is turned into milliseconds.
        const std::chrono::seconds forever(std::numeric_limits<long long>::max());
        CHECK(verify(Vendor::kaleyra, ms_value, "key", body, forever, sent + 1'000'000'000s).has_value());
        CHECK(verify(Vendor::kaleyra, ms_value, "key", body, forever, at(0)).has_value());
    }
    SUBCASE("a stale signature that does not match says it does not match") {
        auto r = verify(Vendor::kaleyra, flip_last_digit(value), "key", body, 300s, at(t + 10'000));
        CHECK(r.error().message == "signature does not match");
    }
}

TEST_CASE("kaleyra v0: room-id-hmac over room_id") {
    const std::string body = read_test_data("kaleyra_on_call_incoming.json");
    const std::string mac = openssl_hmac("sha256", "companykey", "room_f61b4d202472");
    CHECK(push::sign_kaleyra_v0("companykey", "room_f61b4d202472") == mac);

    for (const std::string& value : {mac, "room-id-hmac: " + mac, util::to_upper(mac)}) {
        CAPTURE(value);
        auto check = verify(Vendor::kaleyra, value, "companykey", body, 300s, at(4'000'000'000));
        REQUIRE(check.has_value());
        CHECK(check->scheme == "kaleyra-v0");
        CHECK_FALSE(check->signed_at.has_value());  // no time: tolerance does not apply
    }
    CHECK(code_of(verify(Vendor::kaleyra, flip_last_digit(mac), "companykey", body)) == ExitCode::push_crypto);
    CHECK(code_of(verify(Vendor::kaleyra, mac, "otherkey", body)) == ExitCode::push_crypto);
    // v0 covers the room id only: the rest of the body may differ
    CHECK(verify(Vendor::kaleyra, mac, "companykey", R"({"event":"on_call_incoming","room_id":"room_f61b4d202472"})")
              .has_value());
    // a v1 envelope carries it in data
    CHECK(verify(Vendor::kaleyra, mac, "companykey",
                 R"({"event":"on_call_incoming","event_version":"1.0","namespace":"room","data":{"room_id":"room_f61b4d202472"}})")
              .has_value());

    auto no_room = verify(Vendor::kaleyra, mac, "companykey", R"({"event":"on_message_sent","data":{}})");
    REQUIRE_FALSE(no_room.has_value());
    CHECK(no_room.error().code == ExitCode::bad_input);
    CHECK(code_of(verify(Vendor::kaleyra, mac, "companykey", "{not json")) == ExitCode::bad_input);
}

TEST_CASE("webex: X-Spark-Signature, HMAC-SHA1 of the raw body") {
    const std::string body = R"({"id":"wh_1","resource":"telephony_push","event":"updated","data":{"fcmPayload":{}}})";
    const std::string mac = openssl_hmac("sha1", "webhooksecret", body);
    CHECK(mac.size() == 40);
    CHECK(push::sign_webex("webhooksecret", body) == mac);
    for (const std::string& value : {mac, "X-Spark-Signature: " + mac, "x-spark-signature:" + util::to_upper(mac)}) {
        CAPTURE(value);
        auto check = verify(Vendor::webex, value, "webhooksecret", body);
        REQUIRE(check.has_value());
        CHECK(check->scheme == "webex");
        CHECK_FALSE(check->signed_at.has_value());
    }
    CHECK(code_of(verify(Vendor::webex, flip_last_digit(mac), "webhooksecret", body)) == ExitCode::push_crypto);
    CHECK(code_of(verify(Vendor::webex, mac, "webhooksecret", body + " ")) == ExitCode::push_crypto);
    CHECK(code_of(verify(Vendor::webex, mac, "otherSecret", body)) == ExitCode::push_crypto);
    // auto: the body says Webex
    CHECK(verify(Vendor::auto_detect, mac, "webhooksecret", body)->scheme == "webex");
    // a SHA-256-sized value, or a Kaleyra header, is not a Webex signature
    CHECK(code_of(verify(Vendor::webex, std::string(64, 'a'), "webhooksecret", body)) == ExitCode::usage);
    CHECK(code_of(verify(Vendor::webex, "t=1,v0=" + mac, "webhooksecret", body)) == ExitCode::usage);
    CHECK(code_of(verify(Vendor::webex, "bandyer-signature: " + mac, "webhooksecret", body)) == ExitCode::usage);
}

TEST_CASE("malformed values, empty secrets and intercom are usage errors") {
    const std::string z(64, 'a');
    for (const std::string& value : std::vector<std::string>{
             "", "garbage", "t=abc,v0=" + z, "v0=" + z, "t=1", "t=,v0=" + z, "t=-5,v0=" + z, "t=1,t=2,v0=" + z,
             "t=1,v0=xyz", "t=1,v0=abcd", "t=1,v0=" + z + "0", "x-signature: t=1,v0=" + z, std::string(62, 'a'),
             std::string(64, 'g'), "t=99999999999999999999,v0=" + z}) {
        CAPTURE(value);
        CHECK(code_of(verify(Vendor::kaleyra, value, "k", R"({"event":"on_x","room_id":"r"})")) == ExitCode::usage);
    }
    CHECK(code_of(verify(Vendor::kaleyra, push::sign_kaleyra_v1("k", 1, "{}"), "", "{}")) == ExitCode::usage);
    CHECK(code_of(verify(Vendor::webex, push::sign_webex("k", "{}"), "", "{}")) == ExitCode::usage);
    auto intercom = verify(Vendor::intercom, z, "k", R"({"type":"Call.StopIncoming","iotDeviceId":"d"})");
    REQUIRE_FALSE(intercom.has_value());
    CHECK(intercom.error().code == ExitCode::usage);
    CHECK(intercom.error().message == "--signature applies to Kaleyra and Webex webhooks only, this is intercom");
    CHECK(code_of(verify(Vendor::auto_detect, z, "k", R"({"type":"Call.StopIncoming","iotDeviceId":"d"})")) ==
          ExitCode::usage);
}

TEST_CASE("decode: the check's result in the normalised output, tolerance from the options") {
    const std::string body = R"({"event":"on_call_incoming","room_id":"room_1","data":{"initiator":"usr_1"}})";
    push::DecodeOptions options;
    options.signature_secret = "key";
    options.signature_header = push::sign_kaleyra_v1("key", 1'700'000'000'123, body);
    options.now = at(1'700'000'010);
    auto decoded = push::decode(body, options);
    REQUIRE(decoded.has_value());
    CHECK(decoded->normalized["signature"].dump() ==
          R"({"verified":true,"scheme":"kaleyra-v1","signed_at":"2023-11-14T22:13:20.123Z"})");
    CHECK(decoded->warnings.empty());

    options.signature_tolerance = 5s;
    CHECK(push::decode(body, options).error().code == ExitCode::push_crypto);

    options.signature_tolerance = 0s;
    options.signature_header = push::sign_kaleyra_v0("key", "room_1");
    CHECK(push::decode(body, options)->normalized["signature"].dump() == R"({"verified":true,"scheme":"kaleyra-v0"})");
}
