// What a backend of the sandbox is: its own state behind its own lock, its
// routes, and optionally its own command-line options. backends.cpp lists them.
#pragma once

#include "access_tokens.hpp"
#include "intercom_logins.hpp"
#include "router.hpp"
#include "callctl/error.hpp"

namespace CLI {
class App;
}

namespace callctl::sandbox {

// What backends share: the access tokens the token backend issues and the
// bearer-protected backends check, and the intercom logins the intercom OAuth
// backend issues and the intercom GraphQL backend checks. It outlives every backend.
struct Shared {
    TokenSettings token_settings;  // --jwt-secret, --token-ttl
    AccessTokens tokens{token_settings};
    IntercomLogins intercom_logins;
};

// The guard of a bearer-protected path: lets the request in with its token's
// subject in Exchange::subject, or answers the 401.
inline Router::Guard bearer_guard(const AccessTokens& tokens) {
    return [&tokens](Exchange& x) { return tokens.check_bearer(x.request.get_header_value("Authorization"), &x.subject); };
}

// The intercom GraphQL guard: a token the intercom OAuth backend issued, or
// one of the token endpoint's; nothing else.
inline Router::Guard intercom_bearer_guard(const AccessTokens& tokens, const IntercomLogins& logins) {
    return [&tokens, &logins](Exchange& x) -> std::optional<Reply> {
        auto token = bearer_of(x.request.get_header_value("Authorization"));
        if (!token) return token.error();
        if (logins.knows(*token)) return logins.check(*token, &x.subject);
        return tokens.check(*token, &x.subject);
    };
}

class Backend {
public:
    Backend() = default;
    Backend(const Backend&) = delete;
    Backend& operator=(const Backend&) = delete;
    virtual ~Backend() = default;

    // Flags of this backend, bound to its own members (parsed before start()).
    virtual void add_options(CLI::App& /*app*/) {}
    // After the command line is parsed, before any request: load files and
    // the like. An Error ends the sandbox with its exit code.
    virtual Status start() { return {}; }
    // Registers the routes this backend answers.
    virtual void install(Router& router) = 0;
};

}  // namespace callctl::sandbox
