#include "kaleyra.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "callctl/crypto/jwt.hpp"
#include "support.hpp"

namespace callctl::sandbox {

using nlohmann::json;

namespace {

constexpr const char* company_id = "sandbox-company";
constexpr long long min_expires_in = 360;    // 6 minutes
constexpr long long max_expires_in = 86400;  // 24 hours

// Kaleyra's public documentation shows no error body; the sandbox answers
// {"error","message"} like its other REST backends.
Reply bad_request(std::string message) { return error_reply(400, "bad_request", std::move(message)); }

std::optional<long long> whole_number(const std::string& text) {
    long long value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value < 0) return std::nullopt;
    return value;
}

}  // namespace

void KaleyraBackend::add_options(CLI::App& app) {
    app.add_option("--kaleyra-api-key", api_key_, "Company API key Kaleyra REST accepts in `apikey` (default ak_sandbox_callctl)")
        ->option_text("KEY");
    app.add_option("--kaleyra-user", users_, "A Kaleyra user id (repeatable; default usr_123 and usr_999)")->option_text("ID");
}

Status KaleyraBackend::start() {
    if (api_key_.empty()) return make_error(ExitCode::usage, "--kaleyra-api-key must not be empty");
    if (users_.empty()) users_ = {"usr_123", "usr_999"};
    return {};
}

void KaleyraBackend::install(Router& router) {
    router.guard(prefix("/v2/"), [this](Exchange& x) { return check_api_key(x.request.get_header_value("apikey")); });
    router.route({"POST"}, exact("/v2/sdk/credentials"), [this](Exchange& x) {
        const auto body = x.json_body();
        if (!body) return bad_request("the body is not valid JSON");
        return sdk_credentials(*body);
    });
    router.route({"GET"}, exact("/v2/users"), [this](Exchange& x) {
        return users(x.request.get_param_value("offset"), x.request.get_param_value("limit"));
    });
}

std::optional<Reply> KaleyraBackend::check_api_key(const std::string& header) const {
    if (header.empty()) return error_reply(401, "unauthorized", "missing apikey header");
    if (header != api_key_) return error_reply(401, "unauthorized", "invalid apikey");
    return std::nullopt;
}

Reply KaleyraBackend::sdk_credentials(const json& body) const {
    if (!body.is_object()) return bad_request("the body must be {\"user_id\":\"…\",\"expires_in\":SECONDS}");
    if (!is_nonempty_string(body, "user_id")) return bad_request("user_id is required");
    long long expires_in = 3600;
    if (body.contains("expires_in")) {
        if (!body.at("expires_in").is_number_integer()) return bad_request("expires_in must be a whole number of seconds");
        expires_in = body.at("expires_in").get<long long>();
        if (expires_in < min_expires_in || expires_in > max_expires_in) {
            return bad_request(fmt::format("expires_in must be from {} to {} seconds, got {}", min_expires_in, max_expires_in, expires_in));
        }
    }
    const std::string user = body.at("user_id").get<std::string>();
    if (std::find(users_.begin(), users_.end(), user) == users_.end()) {
        return error_reply(404, "not_found", fmt::format("no user with id {}", user));
    }
    const auto now = std::chrono::system_clock::now();
    const long long issued_at = unix_now();
    // The claims of Kaleyra's documented example token.
    const json claims = {{"user", user},
                         {"companyId", company_id},
                         {"allowCamera", true},
                         {"iat", issued_at},
                         {"exp", issued_at + expires_in},
                         {"iss", "callctl-sandbox"},
                         {"sub", fmt::format("{}#{}", user, company_id)}};
    return Reply{200, json{{"access_token", crypto::sign_jwt_hs256(claims, token_settings_.jwt_secret)},
                           {"expires_at", iso8601(now + std::chrono::seconds(expires_in))},
                           {"user_id", user}}};
}

Reply KaleyraBackend::users(const std::string& offset_text, const std::string& limit_text) const {
    const auto offset = offset_text.empty() ? std::optional<long long>(0) : whole_number(offset_text);
    const auto limit = limit_text.empty() ? std::optional<long long>(100) : whole_number(limit_text);
    if (!offset || !limit || *limit == 0 || *limit > 1000) return bad_request("offset must be 0 or more, limit from 1 to 1000");
    json list = json::array();
    for (auto i = static_cast<std::size_t>(*offset); i < users_.size() && list.size() < static_cast<std::size_t>(*limit); ++i) {
        list.push_back({{"user_id", users_[i]}});
    }
    return Reply{200, json{{"users", list}, {"offset", *offset}, {"limit", *limit}, {"count", users_.size()}}};
}

}  // namespace callctl::sandbox
