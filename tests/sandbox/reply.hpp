// What a route answers, and the answers every backend shares.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace callctl::sandbox {

struct Reply {
    Reply() = default;
    Reply(int status_code, nlohmann::json json_body, std::vector<std::pair<std::string, std::string>> extra_headers = {})
        : status(status_code), body(std::move(json_body)), headers(std::move(extra_headers)) {}

    int status = 200;
    nlohmann::json body = nlohmann::json::object();
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<std::string> text;  // these bytes instead of `body`, as `text_type`
    std::string text_type = "text/plain";  // "application/json" for JSON sent byte for byte (signed webhooks)
    bool drop = false;                // cut the connection without a byte instead (a device fault)
};

// {"error":<error>,"message":<message>}: the error shape of the REST API, the
// admin routes and the router's own 404/405 answers.
inline Reply error_reply(int status, std::string_view error, std::string message) {
    return Reply{status, nlohmann::json{{"error", error}, {"message", std::move(message)}}};
}

// How the token backend words its answers, chosen by the fault plan
// ("dhs_error_shape", "dhs_config_shape"; README.md): the shapes of the public
// developer servers, so clients can be tried against each.
struct AnswerShapes {
    std::string dhs_error;   // "" (OAuth style) | "node" | "restify" | "php"
    std::string dhs_config;  // "" (info.scope_map) | "scope_names_array" | "scope_names_object"
};

// A push the backend "sent" to phones: the request log records it right
// after the request that caused it (method PUSH, path /_push/<type>).
struct SentPush {
    std::string type;  // "Call.StopIncoming"
    nlohmann::json payload;
};

}  // namespace callctl::sandbox
