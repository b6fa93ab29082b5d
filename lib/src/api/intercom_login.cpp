#include "callctl/api/intercom_login.hpp"

#include <fmt/format.h>

#include "callctl/util/json.hpp"
#include "callctl/util/strings.hpp"
#include "callctl/util/time.hpp"

namespace callctl::api {

using nlohmann::json;

namespace {

// The body in the order the vendor app writes it (ordered_json keeps it).
http::Request oauth_request(std::string_view auth_url, std::string_view type, const nlohmann::ordered_json& body) {
    http::Request request;
    request.method = http::Method::post;
    request.url = http::join_url(auth_url, "/oauth/token", {{"type", std::string(type)}});
    request.headers.push_back({"Content-Type", "application/json"});
    request.headers.push_back({"Accept", "application/json"});
    request.body = body.dump();
    request.replay = http::Replay::unsafe;
    return request;
}

// The value, and the value as the JSON body spells it when that differs (a
// password with a quote or a backslash): redaction and --dry-run look for the
// text as it appears.
void add_secret(http::Request& request, const std::string& value, std::string_view env_name) {
    request.secrets.push_back({value, std::string(env_name)});
    const std::string dumped = json(value).dump();
    const std::string in_body = dumped.substr(1, dumped.size() - 2);
    if (in_body != value) request.secrets.push_back({in_body, std::string(env_name)});
}

std::string oauth_error_code(const http::Response& response) {
    const auto body = util::parse_json(response.body);
    if (body && body->is_object() && body->contains("error") && (*body)["error"].is_string()) {
        return (*body)["error"].get<std::string>();
    }
    return {};
}

// A refused grant is an authentication failure whether the server says so
// with 401 (older Doorkeeper) or 400 (RFC 6749 §5.2).
Error oauth_failure(const http::Response& response, std::string_view what, std::string hint) {
    Error error = status_error(response, what);
    const std::string code = oauth_error_code(response);
    if (response.status == 401 || response.status == 403 || code == "invalid_grant" || code == "invalid_client" ||
        code == "unauthorized_client") {
        error.code = ExitCode::auth;
        error.hint = code == "invalid_client" ? "the backend does not know the client id: check --client-id "
                                                "(CALLCTL_INTERCOM_CLIENT_ID, profile intercom_client_id)"
                                              : std::move(hint);
    }
    return error;
}

Result<config::StoredToken> send_oauth(Session& session, const http::Request& request, std::string_view what,
                                       std::string refused_hint, const std::string& auth_url,
                                       const std::string& client_id, const std::string& username) {
    auto answer = session.send_for_answer(request, what);
    if (!answer) return answer.error();
    if (answer->status < 200 || answer->status >= 300) return oauth_failure(*answer, what, std::move(refused_hint));
    auto body = json_body(*answer, what);
    if (!body) return body.error();
    return intercom_token_from_answer(*body, util::unix_now(), auth_url, client_id, username);
}

}  // namespace

std::string default_intercom_auth_url(std::string_view graphql_url) {
    const auto scheme_end = graphql_url.find("://");
    if (scheme_end == std::string_view::npos) return {};
    const std::string scheme = util::to_lower(graphql_url.substr(0, scheme_end));
    if (scheme != "http" && scheme != "https") return {};
    std::string_view rest = graphql_url.substr(scheme_end + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
    if (rest.empty()) return {};
    return fmt::format("{}://{}", scheme, rest);
}

http::Request intercom_login_request(std::string_view auth_url, const IntercomLogin& login) {
    const nlohmann::ordered_json body = {{"client_id", login.client_id},
                                         {"grant_type", "password"},
                                         {"username", login.username},
                                         {"password", login.password},
                                         {"scope", "me"}};
    http::Request request = oauth_request(auth_url, "login", body);
    add_secret(request, login.password, intercom_password_env);
    return request;
}

http::Request intercom_exchange_request(std::string_view auth_url, std::string_view client_id, const std::string& refresh_token) {
    const nlohmann::ordered_json body = {
        {"client_id", client_id}, {"grant_type", "refresh_token"}, {"refresh_token", refresh_token}};
    http::Request request = oauth_request(auth_url, "exchange", body);
    add_secret(request, refresh_token, intercom_refresh_token_env);
    return request;
}

Result<config::StoredToken> intercom_token_from_answer(const json& answer, std::int64_t now, const std::string& auth_url,
                                                       const std::string& client_id, const std::string& username) {
    if (!answer.is_object() || !answer.contains("access_token") || !answer["access_token"].is_string() ||
        answer["access_token"].get<std::string>().empty()) {
        return make_error(ExitCode::http_server, "the intercom backend answered the login without an access_token");
    }
    // A token that would split the header it goes into is refused before it is stored (callctl(1), SECURITY).
    if (auto usable = check_token_answer(answer, "the intercom login"); !usable) return usable.error();
    config::StoredToken token;
    token.access_token = answer["access_token"].get<std::string>();
    if (answer.contains("refresh_token") && answer["refresh_token"].is_string()) {
        token.refresh_token = answer["refresh_token"].get<std::string>();
    }
    if (answer.contains("token_type") && answer["token_type"].is_string()) token.token_type = answer["token_type"].get<std::string>();
    if (answer.contains("scope") && answer["scope"].is_string()) token.scope = answer["scope"].get<std::string>();
    // Integers only, within a century: a hostile 1e300 must not become a time.
    constexpr std::int64_t century = 100LL * 365 * 24 * 3600;
    auto seconds = [&](const char* key) -> std::optional<std::int64_t> {
        if (!answer.contains(key) || !answer[key].is_number_integer()) return std::nullopt;
        const auto value = answer[key].get<std::int64_t>();
        if (value < -century || value > 40 * century) return std::nullopt;
        return value;
    };
    const auto expires_in = seconds("expires_in");
    auto created_at = seconds("created_at");
    if (!created_at || *created_at > now) created_at = now;
    if (expires_in && *expires_in <= century) token.expires_at = *created_at + *expires_in;
    token.obtained_at = now;
    token.token_url = auth_url;
    token.client_id = client_id;
    if (!username.empty()) token.username = username;
    return token;
}

bool intercom_needs_renewal(const config::StoredToken& token, std::int64_t now) {
    return token.expires_at && util::seconds_between(now, *token.expires_at) < intercom_renew_within_seconds;
}

Result<config::StoredToken> intercom_login(Session& session, const std::string& auth_url, const IntercomLogin& login) {
    return send_oauth(session, intercom_login_request(auth_url, login), "intercom login",
                      "the intercom backend refused the user name or the password", auth_url, login.client_id,
                      login.username);
}

Result<config::StoredToken> intercom_exchange(Session& session, const config::StoredToken& stored, const std::string& client_id) {
    if (!stored.refresh_token) {
        return make_error(ExitCode::auth, "the stored intercom login has no refresh token to renew it with",
                          "log in again with `callctl login intercom --username USER`");
    }
    const std::string auth_url = stored.token_url.value_or("");
    if (auth_url.empty()) return make_error(ExitCode::bad_input, "the stored intercom login does not say where it was issued",
                                            "log in again with `callctl login intercom --username USER`");
    const std::string client = stored.client_id.value_or(client_id);
    if (client.empty()) {
        return make_error(ExitCode::usage, "renewing the intercom login needs its client id",
                          "give --client-id ID, set CALLCTL_INTERCOM_CLIENT_ID, or `callctl profile set intercom_client_id ID`");
    }
    auto renewed = send_oauth(session, intercom_exchange_request(auth_url, client, *stored.refresh_token),
                              "renew the intercom login",
                              "the intercom backend refused the stored refresh token: log in again with "
                              "`callctl login intercom --username USER`",
                              auth_url, client, stored.username.value_or(""));
    if (renewed && !renewed->refresh_token) renewed->refresh_token = stored.refresh_token;
    return renewed;
}

}  // namespace callctl::api
