#include "callctl/api/intercom_bearer.hpp"

#include <fmt/format.h>

#include "callctl/api/intercom_login.hpp"
#include "callctl/api/token.hpp"
#include "callctl/util/time.hpp"

namespace callctl::api {

namespace {

// A login with more than this left is used as it is when its early renewal fails.
constexpr std::int64_t still_valid_leeway_seconds = 30;

}  // namespace

Result<std::string> StoredIntercomLogin::current() {
    if (checked_) return login_.access_token;
    checked_ = true;
    const std::int64_t now = util::unix_now();
    if (session_.settings().dry_run || !login_.refresh_token || !intercom_needs_renewal(login_, now)) return login_.access_token;

    session_.note(login_.expires_at && *login_.expires_at > now
                      ? fmt::format("the intercom login expires in {}; renewing it first", format_time_left(*login_.expires_at - now))
                      : std::string("the intercom login has expired; renewing it first"));
    auto renewed = renew_login();
    if (renewed) return login_.access_token;
    if (login_.expires_at && *login_.expires_at > now + still_valid_leeway_seconds) {
        // Hours are left: a failed early renewal need not stop the command.
        session_.note(fmt::format("could not renew the intercom login ({}); using it as it is", renewed.error().message));
        return login_.access_token;
    }
    return renewed.error();
}

bool StoredIntercomLogin::renewable() const {
    return !renewed_ && !session_.settings().dry_run && login_.refresh_token.has_value();
}

Result<std::string> StoredIntercomLogin::renew() {
    auto renewed = renew_login();
    if (!renewed) return renewed.error();
    return login_.access_token;
}

std::string StoredIntercomLogin::describe() const {
    return fmt::format("the intercom login of profile '{}'", session_.settings().profile);
}

Result<config::StoredToken> StoredIntercomLogin::renew_login() {
    renewed_ = true;
    const config::Settings& settings = session_.settings();
    const std::string seen = login_.access_token;
    std::optional<config::StoredToken> fresh;
    bool taken_over = false;
    auto updated = config::CredentialStore::update(settings.credentials_path, [&](config::CredentialStore& store) -> Result<bool> {
        auto now_stored = store.get(settings.profile, config::CredentialSlot::intercom());
        if (!now_stored) {
            return make_error(ExitCode::auth,
                              fmt::format("the intercom login of profile '{}' is gone (logged out meanwhile)", settings.profile),
                              "log in again with `callctl login intercom --username USER`");
        }
        if (now_stored->access_token != seen) {
            taken_over = true;  // another callctl renewed it since we read it
            fresh = std::move(now_stored);
            return false;
        }
        auto renewed = intercom_exchange(session_, *now_stored, settings.text("intercom_client_id"));
        if (!renewed) return renewed.error();
        store.put(settings.profile, config::CredentialSlot::intercom(), *renewed);
        fresh = std::move(*renewed);
        return true;
    });
    if (!updated) return updated.error();
    session_.note(taken_over ? std::string("another callctl renewed the intercom login meanwhile; using that one")
                             : fmt::format("renewed the intercom login of profile '{}'", settings.profile));
    login_ = std::move(*fresh);
    return login_;
}

Result<RenewOn401*> IntercomBearer::renewal() {
    if (login_renewal_) return login_renewal_.get();
    if (session_.settings().token) return &session_.bearer_renewal();  // a given token, never replaced
    auto login = session_.stored(config::CredentialSlot::intercom());
    if (!login) return login.error();
    if (!*login) return &session_.bearer_renewal();  // the token endpoint's stored token
    login_ = std::make_unique<StoredIntercomLogin>(session_, std::move(**login));
    login_renewal_ = std::make_unique<RenewOn401>(*login_, [this](std::string_view text) { session_.note(text); });
    return login_renewal_.get();
}

}  // namespace callctl::api
