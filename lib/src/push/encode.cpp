// encode-push: the inverse of the intercom decoder, for tests and demos.
#include <fmt/format.h>

#include "callctl/crypto/crypto.hpp"
#include "callctl/util/strings.hpp"
#include "push/push_internal.hpp"

namespace callctl::push {

std::string_view to_string(Wrap wrap) {
    switch (wrap) {
    case Wrap::none: return "none";
    case Wrap::fcm_v1: return "fcm-v1";
    case Wrap::fcm_legacy: return "fcm-legacy";
    case Wrap::apns: return "apns";
    }
    return "none";
}

Result<Wrap> parse_wrap(std::string_view text) {
    const std::string name = util::normalize_enum(util::trim(text));
    if (name == "none" || name == "bare") return Wrap::none;
    if (name == "fcm-v1" || name == "fcm") return Wrap::fcm_v1;
    if (name == "fcm-legacy" || name == "legacy") return Wrap::fcm_legacy;
    if (name == "apns") return Wrap::apns;
    return make_error(ExitCode::usage, fmt::format("unknown wrap '{}' (expected none, fcm-v1, fcm-legacy or apns)", text));
}

namespace {

Result<std::string> intercom_type(std::string_view text) {
    const std::string name = util::to_lower(util::trim(text));
    if (name == "incoming" || name == "call.incoming") return std::string("Call.Incoming");
    if (name == "stop" || name == "call.stopincoming") return std::string("Call.StopIncoming");
    return make_error(ExitCode::usage, fmt::format("unknown push type '{}' (expected incoming or stop)", text));
}

// Credentials are re-serialised compactly: FCM data messages are capped at
// 4 KB, and base64 of the ciphertext already costs a third more.
Result<std::string> sealed_credentials(std::string_view name, const std::string& json_text, std::string_view key) {
    auto parsed = detail::parse_json(json_text, name);
    if (!parsed) return std::move(parsed).error();
    if (!parsed->is_object()) return make_error(ExitCode::bad_input, fmt::format("{} must be a JSON object", name));
    return crypto::seal(key, parsed->dump(-1, ' ', false, Json::error_handler_t::replace));
}

Json wrap_data(Json data, const IntercomEncodeOptions& options) {
    switch (options.wrap) {
    case Wrap::none: return data;
    case Wrap::fcm_v1: {
        // Call pushes must wake the phone: high priority, data-only.
        Json message;
        if (options.fcm_token) message["token"] = *options.fcm_token;
        message["android"] = Json{{"priority", "high"}};
        message["data"] = std::move(data);
        return Json{{"message", std::move(message)}};
    }
    case Wrap::fcm_legacy: {
        Json body;
        if (options.fcm_token) body["to"] = *options.fcm_token;
        body["priority"] = "high";
        body["data"] = std::move(data);
        return body;
    }
    case Wrap::apns: {
        Json body;
        body["aps"] = Json{{"content-available", 1}};
        for (auto it = data.begin(); it != data.end(); ++it) body[it.key()] = std::move(*it);
        return body;
    }
    }
    return data;
}

}  // namespace

Result<std::string> encode_intercom(const IntercomEncodeOptions& options) {
    auto type = intercom_type(options.type);
    if (!type) return std::move(type).error();
    if (util::trim(options.device_id).empty()) return make_error(ExitCode::usage, "the push needs a device id (--device)");
    if (*type == "Call.StopIncoming" && (options.video_json || options.audio_json)) {
        return make_error(ExitCode::usage, "a stop push carries no credentials: drop --video-file/--audio-file");
    }
    if (options.key.size() != crypto::aes_key_size) {
        return make_error(ExitCode::bad_input,
                          fmt::format("push key must be 32 bytes (64 hex digits or base64), got {} bytes", options.key.size()));
    }

    Json data;
    data["type"] = *type;
    data["iotDeviceId"] = options.device_id;
    if (options.call_id) data["callId"] = *options.call_id;
    if (options.video_json) {
        auto video = sealed_credentials("video", *options.video_json, options.key);
        if (!video) return std::move(video).error();
        data["video"] = std::move(*video);
    }
    if (options.audio_json) {
        auto audio = sealed_credentials("audio", *options.audio_json, options.key);
        if (!audio) return std::move(audio).error();
        data["audio"] = std::move(*audio);
    }
    return wrap_data(std::move(data), options).dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace callctl::push
