// Key pairs the sandbox stands behind as Google and Apple would: a fresh
// RSA 2048 service-account key for FCM's OAuth endpoint, a fresh EC P-256
// token key for APNs (or ones loaded from files, --fcm-service-account and
// --apns-key-file). Generated with OpenSSL; the callctl library parses them.
#pragma once

#include <string>

#include "callctl/error.hpp"

namespace callctl::sandbox {

enum class KeyAlgorithm { rsa_2048, ec_p256 };

// A new private key as PEM PKCS#8 ("BEGIN PRIVATE KEY"), what Google's
// service-account files and Apple's .p8 files hold.
Result<std::string> generate_private_key_pem(KeyAlgorithm algorithm);

}  // namespace callctl::sandbox
