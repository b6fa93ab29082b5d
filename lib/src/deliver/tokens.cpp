#include "callctl/deliver/tokens.hpp"

#include <chrono>
#include <utility>

#include <fmt/format.h>

#include "callctl/api/errors.hpp"
#include "callctl/config/credentials.hpp"

namespace callctl::deliver {

Result<AccessToken> exchange_service_account(const ServiceAccount& account, http::Client& client, std::int64_t now_unix) {
    auto assertion = oauth_assertion(account, now_unix);
    if (!assertion) return std::move(assertion).error();
    const http::Request request = oauth_token_request(account, *assertion);
    http::Outcome outcome = client.send(request);
    if (!outcome) {
        return api::to_error(outcome.error(), fmt::format("the OAuth token exchange at {}", account.token_uri));
    }
    return parse_oauth_answer(*outcome, now_unix, account.token_uri);
}

namespace {

// A stored token this account may use now: issued by its token_uri, for FCM,
// and not about to expire.
bool usable(const config::StoredToken& token, const ServiceAccount& account, std::int64_t now) {
    return !token.access_token.empty() && token.token_url == account.token_uri && token.scope == fcm_scope &&
           token.expires_at && !token.expired(now, fcm_token_leeway_seconds);
}

}  // namespace

FcmAccessToken::FcmAccessToken(const ServiceAccount& account, http::Client& oauth_client,
                               std::filesystem::path credentials_path, std::string profile, Note note, UnixClock clock)
    : account_(account),
      oauth_client_(oauth_client),
      credentials_path_(std::move(credentials_path)),
      profile_(std::move(profile)),
      note_(std::move(note)),
      clock_(std::move(clock)) {}

Result<std::string> FcmAccessToken::current() {
    if (value_) return *value_;
    // A reader needs no lock: a rename replaces the store whole.
    auto store = config::CredentialStore::load(credentials_path_);
    if (!store) return store.error();
    const auto slot = config::CredentialSlot::fcm_oauth(account_.client_email);
    if (auto cached = store->get(profile_, slot); cached && usable(*cached, account_, clock_())) {
        if (note_) note_(fmt::format("using the cached FCM access token of {} (expires in {} s)", describe(), *cached->expires_at - clock_()));
        value_ = cached->access_token;
        return *value_;
    }
    return exchange_and_store(std::nullopt);
}

Result<std::string> FcmAccessToken::renew() {
    renewed_ = true;
    if (note_) note_("FCM refused the access token; exchanging the service account's assertion again");
    return exchange_and_store(value_);
}

std::string FcmAccessToken::describe() const {
    return fmt::format("{} (profile '{}')", account_.client_email, profile_);
}

Result<std::string> FcmAccessToken::exchange_and_store(const std::optional<std::string>& refused) {
    const auto slot = config::CredentialSlot::fcm_oauth(account_.client_email);
    std::optional<std::string> fresh;
    bool taken_over = false;
    auto updated = config::CredentialStore::update(credentials_path_, [&](config::CredentialStore& store) -> Result<bool> {
        // Another callctl may have exchanged while we waited for the lock.
        if (auto stored = store.get(profile_, slot);
            stored && usable(*stored, account_, clock_()) && stored->access_token != refused) {
            taken_over = true;
            fresh = stored->access_token;
            return false;
        }
        if (note_) note_(fmt::format("exchanging an RS256 assertion for an FCM access token at {}", account_.token_uri));
        const std::int64_t now = clock_();
        auto token = exchange_service_account(account_, oauth_client_, now);
        if (!token) return std::move(token).error();
        config::StoredToken stored;
        stored.access_token = token->value;
        stored.token_type = "Bearer";
        stored.scope = std::string(fcm_scope);
        stored.expires_at = token->expires_at;
        stored.obtained_at = now;
        stored.token_url = account_.token_uri;
        store.put(profile_, slot, stored);
        fresh = std::move(token->value);
        return true;
    });
    if (!updated) return updated.error();
    if (taken_over && note_) note_("another callctl exchanged an FCM access token meanwhile; using that one");
    value_ = std::move(fresh);
    return *value_;
}

TokenProvider token_provider(api::RenewableCredential& credential) {
    return [&credential](bool renew) { return renew ? credential.renew() : credential.current(); };
}

}  // namespace callctl::deliver
