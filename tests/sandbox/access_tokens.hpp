// The access tokens the token backend issues (HS256 JWTs) and the bearer
// check every protected backend runs against them. It is the one piece of
// state backends share, so it has its own lock.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "callctl/error.hpp"
#include "reply.hpp"

namespace callctl::sandbox {

// The 401 a protected route answers: {"error":"unauthorized","message":…}
// with a WWW-Authenticate challenge.
Reply unauthorized_reply(std::string message);
// The token of an `Authorization: Bearer <token>` header (the scheme in any
// case), or the 401 to answer when there is none.
Expected<std::string, Reply> bearer_of(const std::string& authorization_header);

// Set from the command line (--jwt-secret, --token-ttl) before any request.
struct TokenSettings {
    std::string jwt_secret = "callctl-sandbox-secret";
    long long ttl_seconds = 172800;  // the documented default of the token endpoint
};

class AccessTokens {
public:
    explicit AccessTokens(const TokenSettings& settings) : settings_(settings) {}

    struct Issued {
        std::string access;
        std::string refresh;
        long long expires_in = 0;
    };
    // What is known about an access token (a copy: the store may change).
    struct Info {
        std::string scope;
        std::string subject;
        long long expires_at = 0;
        bool revoked = false;
    };

    Issued issue(const std::string& scope, const std::string& subject);
    // Rotation: spends `refresh_token`, revokes its access token, issues a
    // new pair for the same scope and subject. nullopt when unknown or spent.
    std::optional<Issued> rotate(const std::string& refresh_token);
    // false when the token is unknown or already revoked.
    bool revoke(const std::string& access_token);
    std::optional<Info> find(const std::string& access_token) const;

    // `Authorization: Bearer <token>` of a protected route: nullopt when the
    // token is good (and then `subject` is its "sub"), else the 401 to answer.
    std::optional<Reply> check_bearer(const std::string& authorization_header, std::string* subject = nullptr) const;
    // The same for a token already taken from its header.
    std::optional<Reply> check(const std::string& access_token, std::string* subject = nullptr) const;

    const TokenSettings& settings() const { return settings_; }

private:
    struct Token {
        std::string refresh;
        Info info;
    };
    Issued issue_locked(const std::string& scope, const std::string& subject);

    const TokenSettings& settings_;
    mutable std::mutex mutex_;
    std::map<std::string, Token> tokens_;         // by access token
    std::map<std::string, std::string> refresh_;  // refresh token -> access token
};

}  // namespace callctl::sandbox
