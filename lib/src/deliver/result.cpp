#include "callctl/deliver/result.hpp"

#include <fmt/format.h>

#include "callctl/api/errors.hpp"
#include "callctl/util/json.hpp"

namespace callctl::deliver {

namespace {

using nlohmann::json;

std::optional<json> json_object(std::string_view body) {
    auto parsed = util::parse_json(body);
    if (!parsed || !parsed->is_object()) return std::nullopt;
    return std::move(*parsed);
}

std::string string_at(const json& object, std::string_view key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

ExitCode code_for_status(long status) {
    if (status >= 500) return ExitCode::http_server;
    if (status == 401 || status == 403) return ExitCode::auth;
    if (status == 413) return ExitCode::bad_input;  // the payload is too big after all
    if (status >= 400) return ExitCode::http_client;
    return ExitCode::http_server;  // 1xx/3xx: a reply callctl cannot use
}

// FCM's errorCode from error.details[] (type FcmError), when there is one.
std::string fcm_error_code(const json& error) {
    const auto details = error.find("details");
    if (details == error.end() || !details->is_array()) return {};
    for (const auto& detail : *details) {
        if (detail.is_object()) {
            if (auto code = string_at(detail, "errorCode"); !code.empty()) return code;
        }
    }
    return {};
}

}  // namespace

nlohmann::ordered_json to_json(const DeviceResult& result) {
    nlohmann::ordered_json out;
    out["to"] = result.to;
    out["platform"] = to_string(result.platform);
    if (result.role != PushRole::single) out["push"] = result.role == PushRole::incoming ? "incoming" : "stop";
    out["ok"] = result.ok;
    if (result.status) out["status"] = *result.status;
    else out["status"] = nullptr;
    if (result.ok) {
        if (!result.id.empty()) out["id"] = result.id;
        return out;
    }
    out["error"] = result.error;
    if (!result.message.empty()) out["message"] = result.message;
    if (result.timestamp) out["timestamp"] = *result.timestamp;
    return out;
}

DeviceResult fcm_result(const http::Response& response) {
    DeviceResult result;
    result.platform = Platform::fcm;
    result.status = response.status;
    result.attempts = response.attempts;
    const auto body = json_object(response.body);
    if (response.status >= 200 && response.status < 300) {
        result.ok = true;
        if (body) result.id = string_at(*body, "name");  // "projects/<id>/messages/<message id>"
        return result;
    }
    std::string code;
    if (body) {
        if (const auto error = body->find("error"); error != body->end() && error->is_object()) {
            code = fcm_error_code(*error);
            if (code.empty()) code = string_at(*error, "status");
            result.message = string_at(*error, "message");
        } else if (const auto error_text = body->find("error"); error_text != body->end() && error_text->is_string()) {
            code = error_text->get<std::string>();  // OAuth-style {"error":"invalid_token"}
        }
    }
    result.error = code.empty() ? std::string(response.reason) : code;
    result.code = code_for_status(response.status);
    // A token of another Firebase project is the device's problem, not ours.
    if (code == "SENDER_ID_MISMATCH") result.code = ExitCode::http_client;
    return result;
}

DeviceResult apns_result(const http::Response& response) {
    DeviceResult result;
    result.platform = Platform::apns;
    result.status = response.status;
    result.attempts = response.attempts;
    if (response.status == 200) {
        result.ok = true;
        if (const auto id = response.header("apns-id")) result.id = std::string(*id);
        return result;
    }
    std::string reason;
    if (const auto body = json_object(response.body)) {
        reason = string_at(*body, "reason");
        if (const auto ts = body->find("timestamp"); ts != body->end() && ts->is_number_integer()) {
            result.timestamp = ts->get<std::int64_t>();
        }
    }
    result.error = reason.empty() ? std::string(response.reason) : reason;
    result.code = code_for_status(response.status);
    return result;
}

DeviceResult transport_result(const http::TransportError& error, std::string_view what) {
    DeviceResult result;
    result.attempts = error.attempts;
    result.error = std::string(http::to_string(error.kind));
    const Error as_error = api::to_error(error, what);
    result.message = as_error.message;
    result.code = as_error.code;
    return result;
}

}  // namespace callctl::deliver
