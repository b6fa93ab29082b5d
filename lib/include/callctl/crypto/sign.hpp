// Public-key signatures over OpenSSL EVP, for the JWTs that push delivery
// mints (RS256: the Google OAuth assertion; ES256: the APNs provider token)
// and that the sandbox verifies. Keys come as PEM; nothing here prints,
// throws, or puts key material into an error message.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "callctl/crypto/jwt.hpp"
#include "callctl/error.hpp"

namespace callctl::crypto {

// The two kinds JWTs use here. RSA keys must have at least 2048 bits (RFC 7518
// §3.3); EC keys must be on P-256 (prime256v1), the curve of ES256.
enum class KeyKind { rsa, ec_p256 };
std::string_view to_string(KeyKind kind);   // "RSA", "EC P-256"
std::string_view jwt_alg(KeyKind kind);     // "RS256", "ES256"

class PrivateKey {
public:
    // The first private key in `pem`: PKCS#8 ("BEGIN PRIVATE KEY", what Google
    // service accounts and Apple .p8 files hold), PKCS#1 ("BEGIN RSA PRIVATE
    // KEY") or SEC1 ("BEGIN EC PRIVATE KEY"). `what` names the key's origin in
    // errors ("--apns-key key.p8"). Every failure is bad_input (3): no PEM at
    // all, a PEM of another type (a certificate, a public key), an encrypted
    // key (never prompts for a passphrase), a damaged body, an unsupported
    // algorithm, curve or size.
    static Result<PrivateKey> from_pem(std::string_view pem, std::string_view what);
    // The same, also demanding a kind ("--fcm-credentials: private_key is an EC key; RS256 needs RSA").
    static Result<PrivateKey> from_pem(std::string_view pem, std::string_view what, KeyKind expected);

    KeyKind kind() const;
    // The public half as PEM SubjectPublicKeyInfo ("BEGIN PUBLIC KEY").
    std::string public_pem() const;

    struct Impl;
    const Impl& impl() const { return *impl_; }

private:
    explicit PrivateKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<const Impl> impl_;  // shared: an EVP_PKEY is immutable once loaded
};

class PublicKey {
public:
    // PEM SubjectPublicKeyInfo ("BEGIN PUBLIC KEY"); bad_input otherwise.
    static Result<PublicKey> from_pem(std::string_view pem, std::string_view what);
    static PublicKey of(const PrivateKey& key);

    KeyKind kind() const;

    struct Impl;
    const Impl& impl() const { return *impl_; }

private:
    explicit PublicKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<const Impl> impl_;
};

// SHA-256 signatures as OpenSSL and `openssl dgst -sha256 -sign` make them:
// RSA PKCS#1 v1.5; ECDSA as a DER ECDSA-Sig-Value. Fails (internal) only when
// OpenSSL does.
Result<std::string> sign_sha256(const PrivateKey& key, std::string_view data);
bool verify_sha256(const PublicKey& key, std::string_view data, std::string_view signature);

// ECDSA signature encodings: DER SEQUENCE{INTEGER r, INTEGER s} (OpenSSL,
// X.509) <-> the fixed-width big-endian r||s of JWS (RFC 7518 §3.4), each
// half `half_size` bytes (32 for P-256). Malformed DER (trailing bytes, a
// negative or oversized integer) or a raw value of the wrong length is bad_input.
Result<std::string> ecdsa_der_to_raw(std::string_view der, std::size_t half_size = 32);
Result<std::string> ecdsa_raw_to_der(std::string_view raw);

// A compact JWS: header {"alg": RS256|ES256 (from the key), "typ":"JWT"} plus
// `extra_header` members (e.g. "kid"), the compact JSON of `claims`, both
// base64url without padding, signed with `key` (ES256 as raw r||s).
Result<std::string> sign_jwt(const nlohmann::json& extra_header, const nlohmann::json& claims, const PrivateKey& key);

// Checks a compact JWS against `key`: three parts, a header whose "alg" is
// the key's (so "none", HS256 or the other asymmetric alg are refused), and a
// signature that verifies. Returns the decoded header and claims; claims are
// not checked here (expiry etc. are the caller's rules). bad_input with a
// reason otherwise; the token is never quoted.
Result<DecodedJwt> verify_jwt(std::string_view token, const PublicKey& key);

}  // namespace callctl::crypto
