#include <doctest/doctest.h>

#include "push_testutil.hpp"

using namespace callctl;
using namespace callctl::testing;
using push::Json;

namespace {

push::DecodeOptions with_key() {
    push::DecodeOptions options;
    options.key = push_key();
    options.now = at(1600000000);
    return options;
}

Json expected_incoming() {
    Json audio = Json::parse(audio_json());
    audio["jwt"] = Json::parse(R"({"verified":false,"header":{"alg":"HS256","typ":"JWT"},
        "claims":{"exp":1700000000,"room":"room-7"},"expires_at":"2023-11-14T22:13:20Z","expired":false})");
    Json out;
    out["vendor"] = "intercom";
    out["event"] = "call.incoming";
    out["vendor_event"] = "Call.Incoming";
    out["iot_device_id"] = "dev_42";
    out["call_id"] = "call-1";
    out["video"] = Json::parse(video_json);
    out["audio"] = audio;
    return out;
}

}  // namespace

TEST_CASE("intercom: incoming push decrypted, JWT decoded, keys in documented order") {
    auto decoded = push::decode(intercom_incoming().dump(), with_key());
    REQUIRE(decoded.has_value());
    CHECK(decoded->normalized.dump() == expected_incoming().dump());
    CHECK(decoded->warnings.empty());
    CHECK(decoded->status == ExitCode::ok);
    CHECK_FALSE(decoded->extracted.has_value());
}

TEST_CASE("intercom: the JWT's expiry is judged against DecodeOptions::now") {
    auto options = with_key();
    options.now = at(1700000000);
    auto decoded = push::decode(intercom_incoming().dump(), options);
    REQUIRE(decoded.has_value());
    CHECK(decoded->normalized["audio"]["jwt"]["expired"] == true);
}

TEST_CASE("intercom: a JWT exp beyond int64 saturates, an exp beyond a double's precision is exact") {
    // exp is the sender's: 1e300 used to be cast to long long (undefined
    // behaviour); 2^60 + 1 went through a double and came out 2^60.
    const std::pair<nlohmann::json, std::string> cases[] = {
        {nlohmann::json(1e300), "9223372036854775807"},
        {nlohmann::json(-1e300), "-9223372036854775808"},
        {nlohmann::json(1152921504606846977LL), "1152921504606846977"},
        {nlohmann::json(18446744073709551615ULL), "9223372036854775807"},
        {nlohmann::json(1700000000.9), "2023-11-14T22:13:20Z"},
        {nlohmann::json(-0.5), "1969-12-31T23:59:59Z"},
    };
    for (const auto& [exp, shown] : cases) {
        CAPTURE(exp.dump());
        auto decoded = push::decode(intercom_incoming(audio_json_with_exp(exp)).dump(), with_key());
        REQUIRE(decoded.has_value());
        const Json& jwt = decoded->normalized["audio"]["jwt"];
        CHECK(jwt["expires_at"] == shown);
        CHECK(jwt["expired"] == (exp.get<double>() <= 1600000000));
    }
}

TEST_CASE("intercom: every transport wrapper decodes to the same object") {
    const Json data = intercom_incoming();
    for (const auto transport : all_transports) {
        CAPTURE(name_of(transport));
        auto decoded = push::decode(wrap(data, transport).dump(), with_key());
        REQUIRE(decoded.has_value());
        CHECK(decoded->normalized.dump() == expected_incoming().dump());
    }
}

TEST_CASE("intercom: stop push") {
    auto decoded = push::decode(R"({"type":"Call.StopIncoming","iotDeviceId":"dev_42"})", {});
    REQUIRE(decoded.has_value());
    CHECK(decoded->normalized.dump() ==
          R"({"vendor":"intercom","event":"call.stop","vendor_event":"Call.StopIncoming","iot_device_id":"dev_42"})");
}

TEST_CASE("intercom: unknown Call.* types and extra keys pass through") {
    auto decoded = push::decode(R"({"type":"Call.Ringing","iotDeviceId":"d","sentAt":"now"})", {});
    REQUIRE(decoded.has_value());
    CHECK(decoded->normalized.dump() ==
          R"({"vendor":"intercom","event":"Call.Ringing","vendor_event":"Call.Ringing","iot_device_id":"d","extra":{"sentAt":"now"}})");
}

TEST_CASE("intercom: without a key the rest decodes and the fields are marked") {
    push::DecodeOptions options;
    auto decoded = push::decode(intercom_incoming().dump(), options);
    REQUIRE(decoded.has_value());
    const Json& out = decoded->normalized;
    CHECK(out["call_id"] == "call-1");
    CHECK(out["video"]["encrypted"] == true);
    CHECK(out["video"]["ciphertext_bytes"].get<int>() % 16 == 0);
    CHECK(out["audio"]["encrypted"] == true);
    REQUIRE(decoded->warnings.size() == 1);
    CHECK(decoded->warnings[0] == "video, audio stayed encrypted: no key (use --key-file or CALLCTL_PUSH_KEY)");
    CHECK(decoded->status == ExitCode::ok);

    options.require_decrypt = true;
    auto strict = push::decode(intercom_incoming().dump(), options);
    REQUIRE(strict.has_value());
    CHECK(strict->status == ExitCode::push_crypto);
}

TEST_CASE("intercom: wrong key is push_crypto with no plaintext") {
    auto options = with_key();
    options.key = std::string(32, 'w');
    auto decoded = push::decode(intercom_incoming().dump(), options);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().code == ExitCode::push_crypto);
    CHECK(decoded.error().message == "cannot decrypt video: wrong key or corrupted payload");
    CHECK(decoded.error().message.find("s3cret") == std::string::npos);
}

TEST_CASE("intercom: damaged blobs are push_crypto, a bad key length bad_input") {
    Json data = intercom_incoming();
    const std::string blob = *crypto::base64_decode(data["video"].get<std::string>());
    SUBCASE("truncated") { data["video"] = crypto::base64_encode(blob.substr(0, blob.size() - 3)); }
    SUBCASE("shorter than the IV") { data["video"] = crypto::base64_encode(blob.substr(0, 10)); }
    SUBCASE("not base64") { data["video"] = "%%%not-base64%%%"; }
    SUBCASE("a flipped byte in the last block") {
        std::string damaged = blob;
        damaged[damaged.size() - 20] ^= 0x01;
        data["video"] = crypto::base64_encode(damaged);
    }
    auto decoded = push::decode(data.dump(), with_key());
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().code == ExitCode::push_crypto);
    CHECK(decoded.error().message.rfind("cannot ", 0) == 0);

    auto options = with_key();
    options.key = "short";
    auto bad_key = push::decode(intercom_incoming().dump(), options);
    REQUIRE_FALSE(bad_key.has_value());
    CHECK(bad_key.error().code == ExitCode::bad_input);
    CHECK(bad_key.error().message == "push key must be 32 bytes (64 hex digits or base64), got 5 bytes");
}

TEST_CASE("intercom: URL-safe unpadded blobs decrypt") {
    Json data = intercom_incoming();
    const std::string blob = *crypto::base64_decode(data["video"].get<std::string>());
    data["video"] = crypto::base64_encode(blob, crypto::Base64Alphabet::url, false);
    auto decoded = push::decode(data.dump(), with_key());
    REQUIRE(decoded.has_value());
    CHECK(decoded->normalized["video"] == Json::parse(video_json));
}

TEST_CASE("intercom: shape errors are bad_input") {
    push::DecodeOptions intercom;
    intercom.vendor = push::Vendor::intercom;
    auto no_device = push::decode(R"({"type":"Call.Incoming"})", intercom);
    REQUIRE_FALSE(no_device.has_value());
    CHECK(no_device.error().code == ExitCode::bad_input);
    auto video_number = push::decode(R"({"type":"Call.Incoming","iotDeviceId":"d","video":5})", with_key());
    REQUIRE_FALSE(video_number.has_value());
    CHECK(video_number.error().code == ExitCode::bad_input);
}

TEST_CASE("find_iot_device_id needs no key") {
    const Json data = intercom_incoming();
    CHECK(push::find_iot_device_id(data.dump()) == "dev_42");
    CHECK(push::find_iot_device_id(wrap(data, Transport::fcm_v1).dump()) == "dev_42");
    CHECK(push::find_iot_device_id(wrap(data, Transport::fcm_v1_json_in_string).dump()) == "dev_42");
    CHECK(push::find_iot_device_id(R"({"type":"Call.StopIncoming","iotDeviceId":"dev_7"})") == "dev_7");
    CHECK_FALSE(push::find_iot_device_id(R"({"event":"on_call_incoming"})").has_value());
    CHECK_FALSE(push::find_iot_device_id("not json").has_value());
}
