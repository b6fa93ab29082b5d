// Shared fixtures for the push tests: a fixed key, a sample intercom push and
// the transport wrappers that real pushes arrive in.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "callctl/crypto/crypto.hpp"
#include "callctl/crypto/jwt.hpp"
#include "callctl/push/push.hpp"

namespace callctl::testing {

using push::Json;

inline const std::string push_key_hex = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
inline std::string push_key() { return *crypto::parse_key(push_key_hex); }

inline std::chrono::system_clock::time_point at(long long unix_seconds) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds));
}

inline std::string read_test_data(const std::string& name) {
    const std::filesystem::path path = std::filesystem::path(CALLCTL_TEST_DATA_DIR) / name;
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

inline const std::string video_json = R"({"url":"https://cam.example/v","username":"door","password":"s3cret"})";
inline std::string audio_token() {
    return crypto::sign_jwt_hs256(nlohmann::json{{"room", "room-7"}, {"exp", 1700000000}}, "jitsi-secret");
}
inline std::string audio_json() {
    return Json{{"roomName", "room-7"}, {"domain", "meet.example"}, {"jsonWebToken", audio_token()}}.dump();
}

// The audio part with a JWT whose only claim is this exp (any JSON value).
inline std::string audio_json_with_exp(const nlohmann::json& exp) {
    const std::string token = crypto::sign_jwt_hs256(nlohmann::json{{"exp", exp}}, "jitsi-secret");
    return Json{{"roomName", "room-7"}, {"domain", "meet.example"}, {"jsonWebToken", token}}.dump();
}

// The bare data map of an incoming intercom push, sealed with push_key().
inline Json intercom_incoming(const std::string& audio = audio_json()) {
    push::IntercomEncodeOptions options;
    options.type = "incoming";
    options.device_id = "dev_42";
    options.call_id = "call-1";
    options.video_json = video_json;
    options.audio_json = audio;
    options.key = push_key();
    return Json::parse(*push::encode_intercom(options));
}

enum class Transport { bare, fcm_v1, fcm_legacy, apns, json_in_string, fcm_v1_json_in_string };
inline constexpr Transport all_transports[] = {Transport::bare, Transport::fcm_v1, Transport::fcm_legacy,
                                               Transport::apns, Transport::json_in_string,
                                               Transport::fcm_v1_json_in_string};
inline const char* name_of(Transport t) {
    switch (t) {
    case Transport::bare: return "bare";
    case Transport::fcm_v1: return "fcm_v1";
    case Transport::fcm_legacy: return "fcm_legacy";
    case Transport::apns: return "apns";
    case Transport::json_in_string: return "json_in_string";
    case Transport::fcm_v1_json_in_string: return "fcm_v1_json_in_string";
    }
    return "?";
}

inline Json wrap(const Json& data, Transport t) {
    switch (t) {
    case Transport::bare: return data;
    case Transport::fcm_v1: return Json{{"message", {{"token", "fcm-token"}, {"data", data}}}};
    case Transport::fcm_legacy: return Json{{"to", "fcm-token"}, {"priority", "high"}, {"data", data}};
    case Transport::apns: {
        Json body = {{"aps", {{"alert", {{"title", "Incoming call"}}}, {"sound", "default"}}}};
        for (auto it = data.begin(); it != data.end(); ++it) body[it.key()] = *it;
        return body;
    }
    case Transport::json_in_string: return Json{{"message", data.dump()}};
    case Transport::fcm_v1_json_in_string: return Json{{"message", {{"data", {{"message", data.dump()}}}}}};
    }
    return data;
}

}  // namespace callctl::testing
