// The credentials send-push signs with (callctl(1), "send-push"): a Google
// service-account JSON for FCM HTTP v1, an Apple .p8 token key for APNs.
// Parsing never echoes key material; every problem with a file's content is
// bad_input (3), every problem with an option's value usage (2).
#pragma once

#include <string>
#include <string_view>

#include "callctl/crypto/sign.hpp"
#include "callctl/error.hpp"

namespace callctl::deliver {

// What callctl uses of the JSON the Firebase console downloads.
struct ServiceAccount {
    std::string client_email;    // the assertion's "iss"
    std::string private_key_id;  // its header "kid"; empty when the file has none (then no kid)
    std::string project_id;      // .../v1/projects/<project_id>/messages:send
    std::string token_uri;       // where the assertion is exchanged (and its "aud")
    crypto::PrivateKey private_key;  // RSA, from "private_key" (PEM PKCS#8)
};

// `origin` names the file in messages ("--fcm-credentials sa.json"). Required:
// client_email, private_key, project_id, token_uri (each a non-empty string;
// token_uri an http(s) URL); "type", when present, must be "service_account".
Result<ServiceAccount> parse_service_account(std::string_view json_text, std::string_view origin);

struct ApnsCredentials {
    crypto::PrivateKey key;  // EC P-256, from the .p8 file
    std::string key_id;      // --apns-key-id: the JWT header "kid"
    std::string team_id;     // --apns-team-id: the JWT claim "iss"
};

// The .p8 file's EC P-256 private key (PEM PKCS#8).
Result<crypto::PrivateKey> parse_apns_key(std::string_view p8_text, std::string_view origin);

// Apple's key ids and team ids are 10 characters, A-Z and 0-9. Anything else
// is usage (2) naming `flag`; the value is quoted (it is not secret).
Status check_apple_id(std::string_view value, std::string_view flag);

}  // namespace callctl::deliver
