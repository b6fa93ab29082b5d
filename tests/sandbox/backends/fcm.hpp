// FCM HTTP v1 and Google's OAuth 2.0 token endpoint (callctl(1), "WIRE
// FORMATS" > "FCM HTTP v1"): POST /token exchanges a service account's RS256
// assertion (checked with the account's public key: alg, kid, iss, scope,
// aud, exp - iat <= 3600) for an access token; POST
// /v1/projects/<id>/messages:send takes a message with that token, checks
// it as FCM does (token, data values strings, android.priority and ttl) and
// answers each device as DeviceFaults says (UNREGISTERED, ...).
//
// The service account is fresh at each start (RSA 2048), or the one in
// --fcm-service-account FILE. Admin routes:
//   GET  /_sandbox/fcm/service-account  the account as a service-account JSON file,
//                                       token_uri pointing at this server's /token
//   POST /_sandbox/fcm/revoke           every access token issued so far stops working (401)
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "backend.hpp"
#include "callctl/crypto/sign.hpp"

namespace callctl::sandbox {

class DeviceFaults;

class FcmBackend final : public Backend {
public:
    explicit FcmBackend(DeviceFaults& faults) : faults_(faults) {}

    void add_options(CLI::App& app) override;
    Status start() override;
    void install(Router& router) override;

    // The exchange: `form` holds the request's form fields; `token_uri` is
    // this server's /token (the assertion's required audience).
    Reply token(const httplib::Request& request, const std::string& token_uri);
    Reply send(const httplib::Request& request);
    nlohmann::json service_account(const std::string& token_uri) const;

private:
    struct IssuedToken {
        long long expires_at = 0;
        bool revoked = false;
    };
    std::optional<Reply> check_bearer(const std::string& authorization) const;

    DeviceFaults& faults_;
    std::string service_account_file_;
    long long token_ttl_ = 3599;  // what Google answers: an hour, less a second

    // Fixed by start().
    std::string project_id_;
    std::string client_email_;
    std::string private_key_id_;
    std::string private_key_pem_;
    std::optional<crypto::PublicKey> public_key_;

    mutable std::mutex mutex_;
    std::map<std::string, IssuedToken> tokens_;
};

}  // namespace callctl::sandbox
