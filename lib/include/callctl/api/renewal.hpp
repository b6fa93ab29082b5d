// The one "renew the credential once on a 401, then retry once" policy. A
// credential that callctl may renew (the stored token-endpoint token, renewed
// with its refresh token; an intercom login, renewed with its OAuth
// refresh_token; a cached FCM OAuth token, renewed by a fresh JWT exchange)
// implements RenewableCredential; RenewOn401 wraps the sends that carry it.
//
// The rules, for every credential alike:
//   - a 401 renews the credential at most once per RenewOn401 (one per run),
//     however many requests were refused, and each refused request is
//     retried once with the new value: never a loop;
//   - a credential the user gave explicitly (--token, CALLCTL_TOKEN, a file)
//     is never replaced: its 401 stands;
//   - when the renewal fails, its error is the outcome of each refused request;
//   - when the renewed value is refused too, that 401 stands.
// Nothing here knows HTTP statuses beyond 401 or turns answers into Errors:
// the caller does (status_error), so a 401 that stands gets the caller's hint.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "callctl/error.hpp"
#include "callctl/http/http.hpp"

namespace callctl::api {

class RenewableCredential {
public:
    virtual ~RenewableCredential() = default;

    // The value requests carry now (an implementation may obtain it first, or
    // renew it ahead of its expiry). Its error ends the send before anything
    // goes out.
    virtual Result<std::string> current() = 0;
    // True when the user gave this value explicitly: it is never replaced.
    virtual bool user_given() const = 0;
    // True when renew() has something to renew with (a stored refresh token,
    // a service-account key) and may be tried. Not consulted when user_given().
    virtual bool renewable() const = 0;
    // Obtains and keeps (stores) a new value, returned. Called at most once
    // per RenewOn401.
    virtual Result<std::string> renew() = 0;
    // "the stored token of profile 'default'": for -v notes.
    virtual std::string describe() const = 0;
};

class RenewOn401 {
public:
    // `note` receives -v remarks ("... rejected (401); renewing it"); may be empty.
    explicit RenewOn401(RenewableCredential& credential, std::function<void(std::string_view)> note = {});

    // One request. `attempt` sends with the given credential value and returns
    // the answer whatever its status (answer_of() in errors.hpp), or an Error
    // when nothing came back. Returns the final answer (a 401 that stands
    // included) or the first Error.
    using Attempt = std::function<Result<http::Response>(const std::string& credential)>;
    Result<http::Response> send(const Attempt& attempt);

    // Many requests (indexes into the caller's list). `attempt` sends those in
    // `which` with one credential value and reports each through `done`, in
    // any order, on the calling thread. Requests answered 401 are held back;
    // after the pass the credential is renewed once and they are sent once
    // more. `on_done` gets each request's final answer or Error, exactly once.
    using Done = std::function<void(std::size_t index, Result<http::Response> answer)>;
    using BatchAttempt =
        std::function<void(const std::string& credential, const std::vector<std::size_t>& which, const Done& done)>;
    // Fails as a whole only when current() fails (nothing was sent).
    Status send_batch(const std::vector<std::size_t>& which, const BatchAttempt& attempt, const Done& on_done);

    // Whether this policy renewed the credential (or tried to).
    bool renewed() const { return tried_; }

private:
    bool may_renew() const;
    void note(std::string_view text) const;

    RenewableCredential& credential_;
    std::function<void(std::string_view)> note_;
    bool tried_ = false;
};

}  // namespace callctl::api
