// Where send-push's two credentials come from (callctl(1), "send-push" and
// FILES): the FCM OAuth access token, obtained by exchanging an RS256
// assertion at the service account's token_uri and cached in the credential
// store, and the APNs provider token, an ES256 JWT signed locally. Each
// becomes a TokenProvider for the engine.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "callctl/api/renewal.hpp"
#include "callctl/deliver/apns.hpp"
#include "callctl/deliver/deliver.hpp"
#include "callctl/deliver/fcm.hpp"
#include "callctl/deliver/keys.hpp"
#include "callctl/error.hpp"
#include "callctl/http/http.hpp"
#include "callctl/util/time.hpp"

namespace callctl::deliver {

using Note = std::function<void(std::string_view)>;  // -v remarks; may be empty
using UnixClock = std::function<std::int64_t()>;     // tests set the time


// POST token_uri once (Replay::unsafe: retried only when surely unprocessed)
// and the access token it answers. `client` must not be the one the pushes
// go through: the exchange may happen while their batch runs.
Result<AccessToken> exchange_service_account(const ServiceAccount& account, http::Client& client, std::int64_t now_unix);

// A cached access token this close to its expiry is exchanged afresh.
inline constexpr std::int64_t fcm_token_leeway_seconds = 300;

// The FCM access token as the one renewable credential (api/renewal.hpp):
// cached in the credential store under the profile's slot
// fcm_oauth[<client_email>] (0600, atomic, under the store's lock) until
// fcm_token_leeway_seconds before it expires, and renewed by a fresh
// exchange. An exchange holds the store's lock and first looks whether
// another callctl stored a usable token meanwhile (then it takes that one),
// so processes sharing a store exchange once between them.
class FcmAccessToken final : public api::RenewableCredential {
public:
    FcmAccessToken(const ServiceAccount& account, http::Client& oauth_client, std::filesystem::path credentials_path,
                   std::string profile, Note note = {}, UnixClock clock = util::unix_now);

    Result<std::string> current() override;  // cached, else one exchange (stored)
    bool user_given() const override { return false; }
    bool renewable() const override { return !renewed_; }
    Result<std::string> renew() override;  // the cached one was refused: a new exchange (stored)
    std::string describe() const override;

private:
    Result<std::string> exchange_and_store(const std::optional<std::string>& refused);

    const ServiceAccount& account_;
    http::Client& oauth_client_;
    std::filesystem::path credentials_path_;
    std::string profile_;
    Note note_;
    UnixClock clock_;
    std::optional<std::string> value_;
    bool renewed_ = false;
};

// The engine's TokenProvider over a renewable credential: renew=false is
// current(), renew=true renew() (the engine asks at most once per run).
TokenProvider token_provider(api::RenewableCredential& credential);

}  // namespace callctl::deliver
