#include "access_tokens.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "callctl/crypto/jwt.hpp"
#include "support.hpp"

namespace callctl::sandbox {

AccessTokens::Issued AccessTokens::issue(const std::string& scope, const std::string& subject) {
    const std::lock_guard lock(mutex_);
    return issue_locked(scope, subject);
}

AccessTokens::Issued AccessTokens::issue_locked(const std::string& scope, const std::string& subject) {
    Token token;
    token.info.scope = scope;
    token.info.subject = subject;
    const long long issued_at = unix_now();
    token.info.expires_at = issued_at + settings_.ttl_seconds;
    const nlohmann::json claims = {{"sub", subject},
                                   {"scope", scope},
                                   {"iat", issued_at},
                                   {"exp", token.info.expires_at},
                                   {"jti", random_hex(12)},
                                   {"iss", "callctl-sandbox"}};
    const std::string access = crypto::sign_jwt_hs256(claims, settings_.jwt_secret);
    token.refresh = "rt_" + random_hex(24);
    refresh_[token.refresh] = access;
    Issued issued{access, token.refresh, settings_.ttl_seconds};
    tokens_[access] = std::move(token);
    return issued;
}

std::optional<AccessTokens::Issued> AccessTokens::rotate(const std::string& refresh_token) {
    const std::lock_guard lock(mutex_);
    const auto it = refresh_.find(refresh_token);
    if (it == refresh_.end()) return std::nullopt;
    // The old refresh token is spent and the old access token dies with it.
    Token& old = tokens_.at(it->second);
    old.info.revoked = true;
    const std::string scope = old.info.scope;
    const std::string subject = old.info.subject;
    refresh_.erase(it);
    return issue_locked(scope, subject);
}

bool AccessTokens::revoke(const std::string& access_token) {
    const std::lock_guard lock(mutex_);
    const auto it = tokens_.find(access_token);
    if (it == tokens_.end() || it->second.info.revoked) return false;
    it->second.info.revoked = true;
    refresh_.erase(it->second.refresh);
    return true;
}

std::optional<AccessTokens::Info> AccessTokens::find(const std::string& access_token) const {
    const std::lock_guard lock(mutex_);
    const auto it = tokens_.find(access_token);
    if (it == tokens_.end()) return std::nullopt;
    return it->second.info;
}

Reply unauthorized_reply(std::string message) {
    Reply reply = error_reply(401, "unauthorized", std::move(message));
    reply.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"callctl-sandbox\", error=\"invalid_token\"");
    return reply;
}

Expected<std::string, Reply> bearer_of(const std::string& authorization_header) {
    constexpr std::string_view prefix = "Bearer ";
    if (authorization_header.empty()) return unauthorized_reply("missing Authorization: Bearer <token>");
    if (authorization_header.size() <= prefix.size() ||
        !std::equal(prefix.begin(), prefix.end(), authorization_header.begin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); })) {
        return unauthorized_reply("Authorization must be 'Bearer <token>'");
    }
    return authorization_header.substr(prefix.size());
}

std::optional<Reply> AccessTokens::check_bearer(const std::string& authorization_header, std::string* subject) const {
    auto token = bearer_of(authorization_header);
    if (!token) return token.error();
    return check(*token, subject);
}

std::optional<Reply> AccessTokens::check(const std::string& access_token, std::string* subject) const {
    const auto info = find(access_token);
    if (!info) return unauthorized_reply("unknown access token");
    if (info->revoked) return unauthorized_reply("access token has been revoked");
    if (info->expires_at <= unix_now()) return unauthorized_reply("access token has expired");
    if (subject != nullptr) *subject = info->subject;
    return std::nullopt;
}

}  // namespace callctl::sandbox
