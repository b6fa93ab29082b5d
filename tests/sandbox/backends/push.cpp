#include "push.hpp"

#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "callctl/crypto/crypto.hpp"
#include "callctl/crypto/jwt.hpp"
#include "callctl/util/fs.hpp"
#include "intercom.hpp"
#include "support.hpp"

namespace callctl::sandbox {

using nlohmann::json;

namespace {

json wrap_push(const json& data, const std::string& wrap) {
    if (wrap == "fcm-v1") return json{{"message", {{"token", "sandbox-fcm-registration-token"}, {"data", data}}}};
    if (wrap == "fcm-legacy") return json{{"to", "sandbox-fcm-registration-token"}, {"priority", "high"}, {"data", data}};
    return data;
}

std::optional<Reply> check_push_request(const json& body, std::string& device_id, std::string& wrap) {
    if (!body.is_object() || !is_nonempty_string(body, "iotDeviceId")) {
        return error_reply(400, "bad_request", "the body must be {\"iotDeviceId\":\"dev_42\", \"wrap\":\"none|fcm-v1|fcm-legacy\"}");
    }
    device_id = body.at("iotDeviceId").get<std::string>();
    wrap = body.value("wrap", "none");
    if (wrap != "none" && wrap != "fcm-v1" && wrap != "fcm-legacy") {
        return error_reply(400, "bad_request", "wrap must be none, fcm-v1 or fcm-legacy");
    }
    return std::nullopt;
}

}  // namespace

void PushBackend::add_options(CLI::App& app) {
    app.add_option("--push-key-file", push_key_file_, "32-byte push key, 64 hex digits or base64 (default: random)")->option_text("FILE");
}

Status PushBackend::start() {
    if (push_key_file_.empty()) {
        push_key_ = crypto::random_bytes(crypto::aes_key_size);
        return {};
    }
    auto text = util::read_file(push_key_file_);
    if (!text) return text.error();
    auto key = crypto::parse_key(*text);
    if (!key) return make_error(ExitCode::bad_input, fmt::format("--push-key-file {}: {}", push_key_file_, key.error().message));
    push_key_ = std::move(*key);
    return {};
}

void PushBackend::install(Router& router) {
    router.admin({}, exact("/_sandbox/push-key"), [this](const httplib::Request&, const json&) {
        Reply reply;
        reply.text = crypto::hex_encode(push_key_) + "\n";
        return reply;
    });
    router.admin({"POST"}, exact("/_sandbox/push/incoming"), [this](const httplib::Request&, const json& body) { return incoming_push(body); });
    router.admin({"POST"}, exact("/_sandbox/push/stop"), [this](const httplib::Request&, const json& body) { return stop_push(body); });
}

Reply PushBackend::incoming_push(const json& body) {
    std::string device_id, wrap;
    if (auto bad = check_push_request(body, device_id, wrap)) return *bad;
    const std::string call_id = uuid_v4();
    const std::string room = "room_" + random_hex(6);
    const long long now = unix_now();
    const json video = {{"url", fmt::format("https://sandbox.example/video/{}", device_id)}, {"username", "door"}, {"password", random_hex(8)}};
    const json audio = {{"roomName", room},
                        {"domain", "meet.sandbox.example"},
                        {"jsonWebToken", crypto::sign_jwt_hs256(json{{"iss", "callctl-sandbox"},
                                                                     {"aud", "jitsi"},
                                                                     {"sub", "meet.sandbox.example"},
                                                                     {"room", room},
                                                                     {"iat", now},
                                                                     {"exp", now + 3600},
                                                                     {"context", {{"user", {{"name", device_id}}}}}},
                                                                token_settings_.jwt_secret)}};
    const json data = {{"type", "Call.Incoming"},
                       {"iotDeviceId", device_id},
                       {"callId", call_id},
                       {"video", crypto::seal(push_key_, video.dump())},
                       {"audio", crypto::seal(push_key_, audio.dump())}};
    intercom_.ring(device_id, call_id);
    return Reply{200, wrap_push(data, wrap)};
}

Reply PushBackend::stop_push(const json& body) {
    std::string device_id, wrap;
    if (auto bad = check_push_request(body, device_id, wrap)) return *bad;
    intercom_.stop_ringing(device_id);
    return Reply{200, wrap_push(json{{"type", "Call.StopIncoming"}, {"iotDeviceId", device_id}}, wrap)};
}

}  // namespace callctl::sandbox
