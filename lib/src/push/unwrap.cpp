// Transport wrappers around a push's data map (callctl(1), decode-push).
#include <fmt/format.h>

#include "push/push_internal.hpp"

namespace callctl::push {

namespace {

// FCM data values are strings, so a nested object often arrives as JSON text.
// Only text that starts like an object or array is tried; anything that then
// fails to parse is an ordinary string and stays one.
void parse_json_strings(Json& object) {
    for (auto& [key, value] : object.items()) {
        if (!value.is_string()) continue;
        const auto& text = value.get_ref<const std::string&>();
        const auto first = text.find_first_not_of(" \t\r\n");
        if (first == std::string::npos || (text[first] != '{' && text[first] != '[')) continue;
        Json parsed = detail::parse_embedded(text);
        if (!parsed.is_discarded()) value = std::move(parsed);
    }
}

bool has_vendor_markers(const Json& data) {
    return detail::is_intercom(data) || detail::is_kaleyra(data) || detail::is_webex(data);
}

// A map that names its own kind is a body, never a wrapper: descending into
// its "data" would lose the envelope (Kaleyra and Webex both have a "data").
bool looks_like_body(const Json& data) {
    return has_vendor_markers(data) || detail::string_member(data, "type") != nullptr ||
           detail::string_member(data, "event") != nullptr || detail::string_member(data, "resource") != nullptr;
}

bool is_object_member(const Json& data, std::string_view key) {
    const auto it = data.find(key);
    return it != data.end() && it->is_object();
}

// Wrappers nest at most FCM v1 → data → JSON text; a few spare levels, but
// bounded so a hostile payload cannot make us loop.
constexpr int max_wrapper_depth = 8;

}  // namespace

Result<Json> unwrap(const Json& payload) { return unwrap(Json(payload)); }

Result<Json> unwrap(Json&& payload) {
    if (!payload.is_object()) {
        return make_error(ExitCode::bad_input, fmt::format("push payload must be a JSON object, got {}", payload.type_name()));
    }
    Json current = std::move(payload);
    for (int depth = 0; depth < max_wrapper_depth; ++depth) {
        parse_json_strings(current);
        if (looks_like_body(current)) break;

        // A member that is itself a push body: Kaleyra's body in data.message.
        Json* body = nullptr;
        for (auto& [key, value] : current.items()) {
            if (value.is_object() && has_vendor_markers(value)) {
                body = &value;
                break;
            }
        }
        Json next;
        if (body != nullptr) {
            next = std::move(*body);
        } else if (is_object_member(current, "message")) {  // FCM HTTP v1
            next = std::move(current["message"]);
        } else if (is_object_member(current, "data")) {  // legacy FCM {"to":…,"data":…}, or v1's message.data
            next = std::move(current["data"]);
        } else if (is_object_member(current, "aps")) {  // APNs: custom keys beside "aps"
            current.erase("aps");
            continue;
        } else {
            break;
        }
        current = std::move(next);
    }
    if (current.is_object()) current.erase("aps");
    return current;
}

}  // namespace callctl::push
