// The bearer of answer/open-door/hangup (callctl(1), "Intercom credentials"):
// --token/--token-file/CALLCTL_TOKEN, else the profile's intercom login, else
// its token-endpoint token. Each goes through the one "renew once on a 401,
// retry once" policy (renewal.hpp): the given token and the token endpoint's
// through the session's own, the intercom login through one of its own.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "callctl/api/renewal.hpp"
#include "callctl/api/session.hpp"
#include "callctl/config/credentials.hpp"

namespace callctl::api {

// The profile's stored intercom login as a renewable credential: renewed
// first when under 24 h remain (a failed early renewal still uses a login
// that has hours left), and once after a 401.
//
// A renewal holds the credential store's lock from reading the refresh token
// to storing the new pair, and first looks whether another callctl renewed
// the login meanwhile (then it takes that one): the server spends a refresh
// token when it is used, so two processes must never both send it.
class StoredIntercomLogin final : public RenewableCredential {
public:
    StoredIntercomLogin(Session& session, config::StoredToken login) : session_(session), login_(std::move(login)) {}

    Result<std::string> current() override;
    bool user_given() const override { return false; }
    bool renewable() const override;
    Result<std::string> renew() override;
    std::string describe() const override;

private:
    Result<config::StoredToken> renew_login();

    Session& session_;
    config::StoredToken login_;  // as last read or renewed
    bool checked_ = false;       // current() looked at the expiry
    bool renewed_ = false;
};

class IntercomBearer {
public:
    explicit IntercomBearer(Session& session) : session_(session) {}

    // The policy to send through (looks at the store once; no network).
    Result<RenewOn401*> renewal();

private:
    Session& session_;
    std::unique_ptr<StoredIntercomLogin> login_;
    std::unique_ptr<RenewOn401> login_renewal_;
};

}  // namespace callctl::api
