// The intercom backend's OAuth tokens (Doorkeeper style, as callctl(1)
// "login intercom" describes them): opaque access tokens with a lifetime and a
// rotating refresh token, issued by the intercom OAuth backend
// (backends/intercom_auth.*) and accepted by the intercom GraphQL backend. Like
// AccessTokens it is state two backends share, so it has its own lock.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "reply.hpp"

namespace callctl::sandbox {

class IntercomLogins {
public:
    // How a token came to be: POST /oauth/token?type=login|exchange|token.
    struct Issued {
        std::string access;
        std::string refresh;
        long long created_at = 0;  // unix seconds, as Doorkeeper answers it
        long long expires_in = 0;
    };

    // Lifetime of tokens issued from now on (--intercom-token-ttl, or the
    // admin route); 0 or less issues tokens that are already expired.
    void set_ttl(long long seconds);
    long long ttl() const;

    Issued issue(const std::string& username, const std::string& via);
    // Spends `refresh_token` and revokes its access token; the new pair
    // belongs to the same user. nullopt when unknown, spent or revoked.
    std::optional<Issued> rotate(const std::string& refresh_token);

    bool knows(const std::string& access_token) const;
    // nullopt when the token is live (then `subject` is its user), else the 401.
    std::optional<Reply> check(const std::string& access_token, std::string* subject = nullptr) const;

    // Admin: every token ({"<access>":{"username","via","created_at","expires_at","revoked","refresh_token"}}).
    nlohmann::json list() const;
    // Admin: the live tokens (or the one named) now expire `expires_in`
    // seconds from now; their refresh tokens stay good. Returns how many.
    int expire(const std::optional<std::string>& access_token, long long expires_in);
    // Admin: the live tokens (or the one named) and their refresh tokens are
    // revoked. Returns how many.
    int revoke(const std::optional<std::string>& access_token);

private:
    struct Token {
        std::string username;
        std::string via;
        std::string refresh;
        long long created_at = 0;
        long long expires_at = 0;
        bool revoked = false;
    };
    Issued issue_locked(const std::string& username, const std::string& via);
    bool live(const Token& token) const;

    mutable std::mutex mutex_;
    long long ttl_seconds_ = 604800;
    std::map<std::string, Token> tokens_;         // by access token
    std::map<std::string, std::string> refresh_;  // unspent refresh token -> access token
};

}  // namespace callctl::sandbox
