#include "token.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "support.hpp"

namespace callctl::sandbox {

using nlohmann::json;

namespace {

const std::vector<std::string> virtual_numbers = {"+12125550100", "+12125550101", "+12125550102"};
constexpr const char* ewebrtc_domain = "sandbox.ewebrtc.example";

// The token endpoint's error shape (OAuth style).
Reply token_error(int status, std::string_view error, std::string description) {
    return Reply{status, json{{"error", error}, {"error_description", std::move(description)}}};
}

Reply not_json() { return token_error(400, "invalid_request", "the body is not valid JSON"); }

// restify-errors' codes for the statuses this backend answers.
std::string_view restify_code(int status) {
    switch (status) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    default: return status >= 500 ? "InternalServer" : "BadRequest";
    }
}

// An error answer in the shape of one of the public servers; the status
// stays. Node: {"error":"<message>"}; restify: {"code","message"}; PHP: plain
// text "PHP DHS <what> Request Error: <message>".
Reply in_dhs_shape(Reply reply, const AnswerShapes& shapes, std::string_view what) {
    if (reply.status < 400 || shapes.dhs_error.empty()) return reply;
    const json& body = reply.body;
    const std::string message = body.value("error_description", body.value("error", std::string("error")));
    if (shapes.dhs_error == "node") return Reply{reply.status, json{{"error", message}}};
    if (shapes.dhs_error == "restify") return Reply{reply.status, json{{"code", restify_code(reply.status)}, {"message", message}}};
    Reply text{reply.status, json::object()};
    text.text = fmt::format("PHP DHS {} Request Error: {}", what, message);
    return text;
}

Reply token_answer(const AccessTokens::Issued& token) {
    return Reply{200, json{{"access_token", token.access},
                           {"token_type", "bearer"},
                           {"expires_in", token.expires_in},
                           {"refresh_token", token.refresh}}};
}

}  // namespace

void TokenBackend::install(Router& router) {
    router.route({"GET"}, exact("/config"), [this](Exchange& x) { return Reply{200, app_config(x.base_url, x.shapes.dhs_config)}; });
    router.route({"POST", "DELETE"}, exact("/tokens"), [this](Exchange& x) {
        const auto body = x.json_body();
        if (!body) return in_dhs_shape(not_json(), x.shapes, "Token");
        return in_dhs_shape(x.request.method == "POST" ? create_token(*body) : revoke_token(*body), x.shapes, "Token");
    });
    router.route({"POST"}, exact("/e911ids"), [this](Exchange& x) {
        const auto body = x.json_body();
        if (!body) return in_dhs_shape(not_json(), x.shapes, "E911");
        return in_dhs_shape(create_e911_id(*body), x.shapes, "E911");
    });
}

json TokenBackend::app_config(const std::string& base, const std::string& shape) const {
    // Every field the public servers send (callctl(1), "token config").
    const json scope_map = {{"MOBILE_NUMBER", "WEBRTCMOBILE"},
                            {"VIRTUAL_NUMBER", "WEBRTC"},
                            {"ACCOUNT_ID", "WEBRTC"},
                            {"E911", "EMERGENCYSERVICES"}};
    json config = {{"api_endpoint", "https://api.sandbox.example"},
                   {"authorize_uri", "https://api.sandbox.example/oauth/v4/authorize"},
                   {"info",
                    {{"dhs_platform", "callctl-sandbox"},
                     {"dhs_name", "callctl-sandbox DHS"},
                     {"dhs_version", "1.0.0"},
                     {"api_env", "sandbox"},
                     {"token_uri", base + "/tokens"},
                     {"e911id_uri", base + "/e911ids"},
                     {"ewebrtc_uri", "https://api.sandbox.example/RTC/v1"},
                     {"scope_map", scope_map}}},
                   {"app_key", "sandbox-app-key"},
                   {"oauth_callback", base + "/oauth/callback"},
                   {"app_token_url", base + "/tokens"},
                   {"app_e911id_url", base + "/e911ids"},
                   {"virtual_numbers_pool", virtual_numbers},
                   {"ewebrtc_domain", ewebrtc_domain}};
    // Older servers: scope_names in place of info.scope_map.
    if (shape == "scope_names_array") {
        config["info"].erase("scope_map");
        config["scope_names"] = json::array({"MOBILE_NUMBER", "VIRTUAL_NUMBER", "ACCOUNT_ID", "E911"});
    } else if (shape == "scope_names_object") {
        config["info"].erase("scope_map");
        config["scope_names"] = scope_map;
    }
    return config;
}

std::int64_t TokenBackend::next_subject() {
    const std::lock_guard lock(mutex_);
    return next_subject_++;
}

Reply TokenBackend::create_token(const json& body) {
    if (!body.is_object()) return token_error(400, "invalid_request", "the body must be a JSON object");

    if (body.contains("refresh_token")) {
        if (body.contains("app_scope")) return token_error(400, "invalid_request", "send either refresh_token or app_scope, not both");
        if (!is_nonempty_string(body, "refresh_token")) return token_error(400, "invalid_request", "refresh_token must be a non-empty string");
        const auto rotated = tokens_.rotate(body.at("refresh_token").get<std::string>());
        if (!rotated) return token_error(400, "invalid_grant", "refresh token is unknown, used or revoked");
        return token_answer(*rotated);
    }

    if (!body.contains("app_scope") || !body.at("app_scope").is_string()) {
        return token_error(400, "invalid_request",
                           "app_scope (MOBILE_NUMBER, VIRTUAL_NUMBER, ACCOUNT_ID or E911) or refresh_token is required");
    }
    const std::string scope = body.at("app_scope").get<std::string>();
    if (scope == "MOBILE_NUMBER") {
        if (!is_nonempty_string(body, "auth_code")) return token_error(400, "invalid_request", "auth_code is required for MOBILE_NUMBER");
        // A way for tests to see a rejected consent code.
        if (body.at("auth_code") == "invalid") return token_error(400, "invalid_grant", "auth_code is invalid or expired");
        return token_answer(tokens_.issue(scope, fmt::format("+1201555{:04}", next_subject() % 10000)));
    }
    if (scope == "VIRTUAL_NUMBER" || scope == "ACCOUNT_ID" || scope == "E911") {
        // Client credentials only: the app, not a user, asks for E911.
        if (body.contains("auth_code")) return token_error(400, "invalid_request", fmt::format("auth_code must not be sent for {}", scope));
        const auto n = next_subject();
        std::string subject;
        if (scope == "VIRTUAL_NUMBER") subject = virtual_numbers[static_cast<std::size_t>(n) % virtual_numbers.size()];
        else if (scope == "ACCOUNT_ID") subject = fmt::format("user{}@{}", n, ewebrtc_domain);
        else subject = "app:sandbox-app-key";
        return token_answer(tokens_.issue(scope, subject));
    }
    return token_error(400, "invalid_request", fmt::format("unknown app_scope '{}'", scope));
}

Reply TokenBackend::revoke_token(const json& body) {
    if (!body.is_object() || !is_nonempty_string(body, "token")) {
        return token_error(400, "invalid_request", "the body must be {\"token\":\"<access token>\"}");
    }
    if (!tokens_.revoke(body.at("token").get<std::string>())) return token_error(400, "invalid_request", "unknown or already revoked token");
    return Reply{200, json::object()};
}

Reply TokenBackend::create_e911_id(const json& body) const {
    if (!body.is_object()) return token_error(400, "invalid_request", "the body must be a JSON object");
    if (!is_nonempty_string(body, "token")) return token_error(401, "invalid_token", "token is required");
    const auto token = tokens_.find(body.at("token").get<std::string>());
    if (!token) return token_error(401, "invalid_token", "unknown token");
    if (token->revoked) return token_error(401, "invalid_token", "token has been revoked");
    if (token->expires_at <= unix_now()) return token_error(401, "invalid_token", "token has expired");
    if (token->scope == "ACCOUNT_ID") {
        return token_error(403, "forbidden", "E911 ids are only for MOBILE_NUMBER and VIRTUAL_NUMBER users, not ACCOUNT_ID");
    }
    if (!body.contains("address") || !body.at("address").is_object()) return token_error(400, "invalid_address", "address must be an object");
    const json& address = body.at("address");
    static const std::vector<std::string_view> required = {"first_name", "last_name", "house_number", "street",
                                                           "city",       "state",     "zip"};
    // Optional, strings when present (the public servers' extra address parts).
    static const std::vector<std::string_view> optional = {"unit",          "house_number_extension", "street_name_suffix",
                                                           "street_dir",    "street_dir_suffix",      "address_additional",
                                                           "comments"};
    for (const std::string_view field : required) {
        if (!is_nonempty_string(address, std::string(field).c_str())) {
            return token_error(400, "invalid_address", fmt::format("{} is required", field));
        }
    }
    for (const auto& [key, value] : address.items()) {
        const bool known = std::find(required.begin(), required.end(), key) != required.end() ||
                           std::find(optional.begin(), optional.end(), key) != optional.end();
        // Strict on purpose: a client's misspelt key must not pass unseen.
        if (!known) return token_error(400, "invalid_address", fmt::format("unknown address field '{}'", key));
        if (!value.is_string()) return token_error(400, "invalid_address", fmt::format("{} must be a string", key));
    }
    const auto state = address.at("state").get<std::string>();
    if (state.size() != 2 || !std::all_of(state.begin(), state.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; })) {
        return token_error(400, "invalid_address", "state must be two letters");
    }
    const auto zip = address.at("zip").get<std::string>();
    const auto digits = [](std::string_view s) { return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }); };
    const bool zip5 = zip.size() == 5 && digits(zip);
    const bool zip9 = zip.size() == 10 && zip[5] == '-' && digits(zip.substr(0, 5)) && digits(zip.substr(6));
    if (!zip5 && !zip9) return token_error(400, "invalid_address", "zip must be 5 digits or ZIP+4 (12345-6789)");
    if (body.contains("is_confirmed")) {
        const json& confirmed = body.at("is_confirmed");
        if (!confirmed.is_boolean() && confirmed != "true" && confirmed != "false") {
            return token_error(400, "invalid_request", "is_confirmed must be a boolean");
        }
    }
    return Reply{200, json{{"e911Locations",
                            {{"addressIdentifier", "e911_" + random_hex(10)}, {"status", "Validated"}, {"expirationDate", "-1"}}}}};
}

}  // namespace callctl::sandbox
