#include "callctl/deliver/fcm.hpp"
#include "callctl/util/json.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace callctl::deliver {

namespace {

using nlohmann::json;

std::string message_of(const json& body) {
    for (const char* key : {"error_description", "message"}) {
        if (const auto it = body.find(key); it != body.end() && it->is_string()) return it->get<std::string>();
    }
    if (const auto error = body.find("error"); error != body.end()) {
        if (error->is_string()) return error->get<std::string>();
        if (error->is_object() && error->contains("message") && (*error)["message"].is_string()) {
            return (*error)["message"].get<std::string>();
        }
    }
    return {};
}

}  // namespace

Result<std::string> oauth_assertion(const ServiceAccount& account, std::int64_t now_unix) {
    json header = json::object();
    if (!account.private_key_id.empty()) header["kid"] = account.private_key_id;
    const json claims = {{"iss", account.client_email},
                         {"scope", fcm_scope},
                         {"aud", account.token_uri},
                         {"iat", now_unix},
                         {"exp", now_unix + assertion_lifetime_seconds}};
    return crypto::sign_jwt(header, claims, account.private_key);
}

http::Request oauth_token_request(const ServiceAccount& account, const std::string& assertion) {
    http::Request request;
    request.method = http::Method::post;
    request.url = account.token_uri;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
    request.body = fmt::format("grant_type={}&assertion={}", http::percent_encode(jwt_bearer_grant), assertion);
    request.replay = http::Replay::unsafe;
    request.secrets = {{assertion, oauth_assertion_env}};
    return request;
}

Result<AccessToken> parse_oauth_answer(const http::Response& response, std::int64_t now_unix, std::string_view token_uri) {
    const auto parsed = util::parse_json(response.body);
    const json body = parsed ? *parsed : json();
    const std::string what = fmt::format("the OAuth token exchange at {}", token_uri);
    if (response.status < 200 || response.status >= 300) {
        std::string message = body.is_object() ? message_of(body) : std::string();
        const std::string detail = message.empty() ? std::string() : ": " + message;
        if (response.status == 400 || response.status == 401 || response.status == 403) {
            return make_error(ExitCode::auth, fmt::format("{} refused the service account ({}){}", what, response.status, detail),
                              "check the service-account file (a deleted key, or this machine's clock)");
        }
        return make_error(response.status >= 500 ? ExitCode::http_server : ExitCode::http_client,
                          fmt::format("{} answered {} {}{}", what, response.status, response.reason, detail));
    }
    if (!body.is_object()) return make_error(ExitCode::http_server, fmt::format("{} answered {} but not with JSON", what, response.status));
    const auto token = body.find("access_token");
    if (token == body.end() || !token->is_string() || token->get_ref<const std::string&>().empty()) {
        return make_error(ExitCode::http_server, fmt::format("{} answered without an access_token", what));
    }
    http::remember_secret(token->get_ref<const std::string&>());
    if (auto usable = http::check_token(token->get_ref<const std::string&>(), fmt::format("the access_token {} answered", what),
                                        ExitCode::http_server);
        !usable) {
        return usable.error();
    }
    std::int64_t expires_in = assertion_lifetime_seconds;  // what Google issues when it says nothing
    if (const auto it = body.find("expires_in"); it != body.end()) {
        if (it->is_number_integer() && it->get<std::int64_t>() > 0 && it->get<std::int64_t>() < 10LL * 365 * 86400) {
            expires_in = it->get<std::int64_t>();
        } else {
            return make_error(ExitCode::http_server, fmt::format("{} answered an unusable expires_in", what));
        }
    }
    return AccessToken{token->get<std::string>(), now_unix + expires_in};
}

std::string fcm_send_url(std::string_view fcm_url, std::string_view project_id) {
    return http::join_url(fcm_url, fmt::format("/v1/projects/{}/messages:send", http::percent_encode(project_id)));
}

FcmMessage::FcmMessage(const push::Json& data, const FcmSendOptions& options) {
    push::Json android = {{"priority", to_string(options.priority)}, {"ttl", fmt::format("{}s", options.ttl.count())}};
    if (options.collapse_key) android["collapse_key"] = *options.collapse_key;
    constexpr auto replace = push::Json::error_handler_t::replace;
    tail_ = fmt::format(R"(,"data":{},"android":{}}}}})", data.dump(-1, ' ', false, replace), android.dump(-1, ' ', false, replace));
}

std::string FcmMessage::body_for(std::string_view device_token) const {
    // The same text push::Json{{"message",{{"token",…},{"data",…},{"android",…}}}}.dump() gives.
    const std::string token = push::Json(device_token).dump(-1, ' ', false, push::Json::error_handler_t::replace);
    std::string body;
    body.reserve(22 + token.size() + tail_.size());
    body += R"({"message":{"token":)";
    body += token;
    body += tail_;
    return body;
}

http::Request fcm_send_request(std::string url, std::string body, const std::string& access_token) {
    http::Request request;
    request.method = http::Method::post;
    request.url = std::move(url);
    request.headers = {{"Authorization", "Bearer " + access_token}, {"Content-Type", "application/json"}};
    request.body = std::move(body);
    request.replay = http::Replay::unsafe;
    request.secrets = {{access_token, fcm_access_token_env}};
    return request;
}

}  // namespace callctl::deliver
