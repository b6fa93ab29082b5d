// APNs (callctl(1), "WIRE FORMATS" > "APNs"): POST /3/device/<token> over
// real HTTP/2 with TLS and ALPN (h2_server.hpp), on a port of its own because
// httplib's servers speak HTTP/1.1 only. It checks the ES256 provider token
// with the key's public half (kid, iss, iat no older than an hour), the
// headers (apns-topic, apns-push-type, apns-priority, apns-expiration,
// apns-collapse-id, apns-id) and the payload size, answers each error Apple
// documents (a device's from DeviceFaults), and logs every request in the
// sandbox's request log with "protocol":"HTTP/2".
//
// Needs --tls-cert/--tls-key (APNs is TLS only); --apns-port picks the port.
// The token key is fresh at each start (EC P-256) or --apns-key-file's .p8.
// Admin: GET /_sandbox/apns -> {"url","key_id","team_id","bundle_id","key_p8"}.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "backend.hpp"
#include "callctl/crypto/sign.hpp"
#include "h2_server.hpp"

namespace callctl::sandbox {

class DeviceFaults;
class RequestLog;

class ApnsBackend final : public Backend {
public:
    explicit ApnsBackend(DeviceFaults& faults) : faults_(faults) {}
    ~ApnsBackend() override;

    void add_options(CLI::App& app) override;
    Status start() override;
    void install(Router& router) override;
    Status serve(const ServeContext& context, nlohmann::json& ready) override;

    H2Response handle(const H2Request& request);

private:
    H2Response answer(const H2Request& request);
    std::optional<H2Response> check_provider_token(const std::string& authorization);

    DeviceFaults& faults_;
    RequestLog* log_ = nullptr;
    std::unique_ptr<H2Server> server_;
    std::string url_;

    int port_ = 0;
    std::string key_file_;
    std::string key_id_;
    std::string team_id_ = "SANDBOXTM1";
    std::string bundle_id_ = "com.example.callctl";
    long long renewal_min_seconds_ = 0;  // --apns-token-renewal-min: Apple's 20-minute throttle, off unless asked

    // Fixed by start().
    std::string key_pem_;
    std::optional<crypto::PublicKey> public_key_;

    std::mutex mutex_;  // guards the two below
    std::string last_token_;  // the provider token verified last (APNs reuses the verdict)
    long long last_iat_ = 0;
};

}  // namespace callctl::sandbox
