#include "intercom_logins.hpp"

#include "access_tokens.hpp"
#include "support.hpp"

namespace callctl::sandbox {

void IntercomLogins::set_ttl(long long seconds) {
    const std::lock_guard lock(mutex_);
    ttl_seconds_ = seconds;
}

long long IntercomLogins::ttl() const {
    const std::lock_guard lock(mutex_);
    return ttl_seconds_;
}

IntercomLogins::Issued IntercomLogins::issue(const std::string& username, const std::string& via) {
    const std::lock_guard lock(mutex_);
    return issue_locked(username, via);
}

IntercomLogins::Issued IntercomLogins::issue_locked(const std::string& username, const std::string& via) {
    Token token;
    token.username = username;
    token.via = via;
    token.created_at = unix_now();
    token.expires_at = token.created_at + ttl_seconds_;
    token.refresh = random_hex(32);
    // Doorkeeper's tokens are opaque: 32 random bytes, hex.
    const std::string access = random_hex(32);
    refresh_[token.refresh] = access;
    Issued issued{access, token.refresh, token.created_at, ttl_seconds_};
    tokens_[access] = std::move(token);
    return issued;
}

std::optional<IntercomLogins::Issued> IntercomLogins::rotate(const std::string& refresh_token) {
    const std::lock_guard lock(mutex_);
    const auto it = refresh_.find(refresh_token);
    if (it == refresh_.end()) return std::nullopt;
    Token& old = tokens_.at(it->second);
    old.revoked = true;
    const std::string username = old.username;
    refresh_.erase(it);
    return issue_locked(username, "exchange");
}

bool IntercomLogins::live(const Token& token) const { return !token.revoked && token.expires_at > unix_now(); }

bool IntercomLogins::knows(const std::string& access_token) const {
    const std::lock_guard lock(mutex_);
    return tokens_.count(access_token) > 0;
}

std::optional<Reply> IntercomLogins::check(const std::string& access_token, std::string* subject) const {
    const std::lock_guard lock(mutex_);
    const auto it = tokens_.find(access_token);
    if (it == tokens_.end()) return unauthorized_reply("unknown access token");
    if (it->second.revoked) return unauthorized_reply("access token has been revoked");
    if (it->second.expires_at <= unix_now()) return unauthorized_reply("access token has expired");
    if (subject != nullptr) *subject = it->second.username;
    return std::nullopt;
}

nlohmann::json IntercomLogins::list() const {
    const std::lock_guard lock(mutex_);
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [access, token] : tokens_) {
        out[access] = {{"username", token.username},
                       {"via", token.via},
                       {"created_at", token.created_at},
                       {"expires_at", token.expires_at},
                       {"revoked", token.revoked},
                       {"refresh_token", token.refresh},
                       {"refresh_spent", refresh_.count(token.refresh) == 0}};
    }
    return out;
}

int IntercomLogins::expire(const std::optional<std::string>& access_token, long long expires_in) {
    const std::lock_guard lock(mutex_);
    int changed = 0;
    for (auto& [access, token] : tokens_) {
        if (access_token ? access != *access_token : !live(token)) continue;
        token.expires_at = unix_now() + expires_in;
        ++changed;
    }
    return changed;
}

int IntercomLogins::revoke(const std::optional<std::string>& access_token) {
    const std::lock_guard lock(mutex_);
    int changed = 0;
    for (auto& [access, token] : tokens_) {
        if (access_token ? access != *access_token : token.revoked) continue;
        token.revoked = true;
        refresh_.erase(token.refresh);
        ++changed;
    }
    return changed;
}

}  // namespace callctl::sandbox
