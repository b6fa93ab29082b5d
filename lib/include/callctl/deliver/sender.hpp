// One payload to many devices, credentials included: what `send-push` runs and
// what another command that delivers pushes (`listen --relay`) should call.
// A PushSender owns the HTTP clients (FCM over reused connections, APNs over
// one HTTP/2 connection, a separate one for the OAuth exchange) and both
// credentials: the FCM access token cached in the credential store
// (FcmAccessToken) and the APNs provider token, signed once and reused for
// apns_jwt_lifetime (Apple refuses one older than an hour and throttles
// renewals more often than every 20 minutes). It lives as long as its caller
// wants: a long-running relay keeps one and calls send() per event.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "callctl/deliver/deliver.hpp"
#include "callctl/deliver/keys.hpp"
#include "callctl/deliver/tokens.hpp"
#include "callctl/error.hpp"
#include "callctl/http/http.hpp"

namespace callctl::deliver {

// An APNs provider token is signed afresh after this long (inside Apple's 20-60 min window).
inline constexpr std::chrono::minutes apns_jwt_lifetime{40};

struct SenderSetup {
    http::ClientOptions client;              // timeouts, --cacert, -v log, dry run
    std::filesystem::path credentials_path;  // Settings::credentials_path (the FCM token cache)
    std::string profile;                     // Settings::profile
    std::optional<ServiceAccount> fcm;       // --fcm-credentials, parsed: FCM targets need it
    std::optional<ApnsCredentials> apns;     // --apns-key with its ids, parsed: APNs targets need it
    Note note;                               // -v remarks; may be empty
    UnixClock clock = util::unix_now;
};

class PushSender {
public:
    explicit PushSender(SenderSetup setup);
    ~PushSender();
    PushSender(const PushSender&) = delete;
    PushSender& operator=(const PushSender&) = delete;

    // deliver_push() (deliver.hpp) with this sender's clients and
    // credentials: checks first (sizes, a credential for each platform in
    // `targets`), then one result per device through `on_result`, on this
    // thread, as each answers. `options.fcm_project_id` defaults to the
    // service account's; `options.dry_run` should match setup.client.dry_run.
    Status send(const Payload& payload, const std::vector<Target>& targets, DeliveryOptions options,
                const ResultSink& on_result);

    // Under --dry-run: the curl command lines of everything not sent, FCM's then APNs's.
    std::vector<std::string> dry_run_commands() const;

private:
    Result<std::string> apns_jwt(bool renew);

    SenderSetup setup_;
    std::unique_ptr<http::Client> oauth_client_;
    std::unique_ptr<http::Client> fcm_client_;
    std::unique_ptr<http::Client> apns_client_;
    std::unique_ptr<FcmAccessToken> fcm_token_;
    std::optional<std::string> apns_jwt_;
    std::int64_t apns_jwt_signed_at_ = 0;
};

}  // namespace callctl::deliver
