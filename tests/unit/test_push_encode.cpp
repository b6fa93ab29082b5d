#include <doctest/doctest.h>

#include "push_testutil.hpp"

using namespace callctl;
using namespace callctl::testing;
using push::Json;

namespace {
push::IntercomEncodeOptions incoming(push::Wrap wrap) {
    push::IntercomEncodeOptions options;
    options.type = "incoming";
    options.device_id = "dev_9";
    options.video_json = "{ \"url\": \"https://cam/x\", \"username\": \"u\", \"password\": \"p\" }";
    options.audio_json = audio_json();
    options.key = push_key();
    options.wrap = wrap;
    return options;
}
}  // namespace

TEST_CASE("encode → decode round trip for every wrap") {
    for (const auto wrap : {push::Wrap::none, push::Wrap::fcm_v1, push::Wrap::fcm_legacy, push::Wrap::apns}) {
        CAPTURE(std::string(push::to_string(wrap)));
        auto encoded = push::encode_intercom(incoming(wrap));
        REQUIRE(encoded.has_value());
        push::DecodeOptions options;
        options.key = push_key();
        auto decoded = push::decode(*encoded, options);
        REQUIRE(decoded.has_value());
        const Json& out = decoded->normalized;
        CHECK(out["event"] == "call.incoming");
        CHECK(out["iot_device_id"] == "dev_9");
        CHECK(out["video"].dump() == R"({"url":"https://cam/x","username":"u","password":"p"})");
        CHECK(out["audio"]["roomName"] == "room-7");
        CHECK(out["audio"]["jwt"]["claims"]["room"] == "room-7");
        CHECK_FALSE(out.contains("extra"));
    }
}

TEST_CASE("encode: wire shapes") {
    auto bare = Json::parse(*push::encode_intercom(incoming(push::Wrap::none)));
    CHECK(bare["type"] == "Call.Incoming");
    CHECK(bare["video"].is_string());
    auto again = Json::parse(*push::encode_intercom(incoming(push::Wrap::none)));
    CHECK(bare["video"] != again["video"]);  // a fresh IV each time

    auto options = incoming(push::Wrap::fcm_v1);
    options.fcm_token = "tok";
    auto v1 = Json::parse(*push::encode_intercom(options));
    CHECK(v1["message"]["token"] == "tok");
    CHECK(v1["message"]["android"]["priority"] == "high");
    CHECK(v1["message"]["data"]["iotDeviceId"] == "dev_9");
    for (const auto& [key, value] : v1["message"]["data"].items()) CHECK(value.is_string());  // FCM data is strings

    options.wrap = push::Wrap::fcm_legacy;
    auto legacy = Json::parse(*push::encode_intercom(options));
    CHECK(legacy["to"] == "tok");
    CHECK(legacy["data"]["type"] == "Call.Incoming");

    auto apns = Json::parse(*push::encode_intercom(incoming(push::Wrap::apns)));
    CHECK(apns["aps"]["content-available"] == 1);
    CHECK(apns["iotDeviceId"] == "dev_9");
}

TEST_CASE("encode: stop push and option errors") {
    push::IntercomEncodeOptions stop;
    stop.type = "STOP";
    stop.device_id = "dev_9";
    stop.key = push_key();
    auto encoded = push::encode_intercom(stop);
    REQUIRE(encoded.has_value());
    CHECK(*encoded == R"({"type":"Call.StopIncoming","iotDeviceId":"dev_9"})");
    CHECK(push::find_iot_device_id(*encoded) == "dev_9");

    stop.video_json = video_json;
    CHECK(push::encode_intercom(stop).error().code == ExitCode::usage);

    auto bad_type = incoming(push::Wrap::none);
    bad_type.type = "ring";
    CHECK(push::encode_intercom(bad_type).error().code == ExitCode::usage);

    auto no_device = incoming(push::Wrap::none);
    no_device.device_id = " ";
    CHECK(push::encode_intercom(no_device).error().code == ExitCode::usage);

    auto bad_video = incoming(push::Wrap::none);
    bad_video.video_json = "{not json";
    auto r = push::encode_intercom(bad_video);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ExitCode::bad_input);
    CHECK(r.error().message.rfind("video is not JSON", 0) == 0);

    auto array_video = incoming(push::Wrap::none);
    array_video.video_json = "[1]";
    CHECK(push::encode_intercom(array_video).error().code == ExitCode::bad_input);

    auto bad_key = incoming(push::Wrap::none);
    bad_key.key = "abc";
    CHECK(push::encode_intercom(bad_key).error().code == ExitCode::bad_input);
}

TEST_CASE("parse_wrap / parse_vendor / parse_extract") {
    CHECK(*push::parse_wrap("FCM_V1") == push::Wrap::fcm_v1);
    CHECK(*push::parse_wrap("fcm-legacy") == push::Wrap::fcm_legacy);
    CHECK(push::parse_wrap("smoke").error().code == ExitCode::usage);
    CHECK(*push::parse_vendor("Kaleyra") == push::Vendor::kaleyra);
    CHECK(*push::parse_vendor("AUTO") == push::Vendor::auto_detect);
    CHECK(*push::parse_vendor("webex") == push::Vendor::webex);
    CHECK(*push::parse_vendor("intercom") == push::Vendor::intercom);
    CHECK(push::parse_vendor("zoom").error().code == ExitCode::usage);
    CHECK(*push::parse_extract("APNS") == push::Extract::apns);
    CHECK(push::parse_extract("sms").error().code == ExitCode::usage);
    for (auto v : {push::Vendor::auto_detect, push::Vendor::intercom, push::Vendor::kaleyra, push::Vendor::webex}) {
        CHECK(*push::parse_vendor(push::to_string(v)) == v);
    }
}
