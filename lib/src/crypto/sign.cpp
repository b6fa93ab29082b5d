#include "callctl/crypto/sign.hpp"

#include <climits>
#include <memory>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "callctl/crypto/crypto.hpp"

namespace callctl::crypto {

struct PkeyDeleter {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct PrivateKey::Impl {
    Pkey key;
    KeyKind kind = KeyKind::rsa;
};
struct PublicKey::Impl {
    Pkey key;
    KeyKind kind = KeyKind::rsa;
};

namespace {

struct BioDeleter {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioDeleter>;
struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
struct EcdsaSigDeleter {
    void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};
using EcdsaSig = std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter>;

Error bad(std::string_view what, std::string_view message) {
    return make_error(ExitCode::bad_input, fmt::format("{}: {}", what, message));
}

// OpenSSL queues its reasons per thread; a failure handled here must not
// leave them for whoever calls OpenSSL next.
struct ClearErrorsOnExit {
    ~ClearErrorsOnExit() { ERR_clear_error(); }
};

// Never asks for a passphrase: a terminal prompt would hang a script, and
// callctl takes secrets from files and the environment only.
extern "C" int refuse_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return 0; }

Bio memory_bio(std::string_view text) {
    if (text.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
    return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// The labels of every "-----BEGIN <label>-----" line, in order.
std::vector<std::string> pem_labels(std::string_view pem) {
    std::vector<std::string> labels;
    constexpr std::string_view begin = "-----BEGIN ";
    for (auto at = pem.find(begin); at != std::string_view::npos; at = pem.find(begin, at + 1)) {
        const auto start = at + begin.size();
        const auto end = pem.find("-----", start);
        if (end == std::string_view::npos || end - start > 64) continue;
        labels.emplace_back(pem.substr(start, end - start));
    }
    return labels;
}

bool is_private_key_label(std::string_view label) {
    return label == "PRIVATE KEY" || label == "RSA PRIVATE KEY" || label == "EC PRIVATE KEY";
}

// RSA of 2048+ bits, or EC on P-256; anything else is named in the error.
Result<KeyKind> classify_key(EVP_PKEY* key, std::string_view what) {
    if (EVP_PKEY_is_a(key, "RSA") == 1) {
        const int bits = EVP_PKEY_get_bits(key);
        if (bits < 2048) return bad(what, fmt::format("RSA key of {} bits is too short for RS256 (2048 or more)", bits));
        return KeyKind::rsa;
    }
    if (EVP_PKEY_is_a(key, "EC") == 1) {
        char group[80] = {};
        std::size_t length = 0;
        if (EVP_PKEY_get_group_name(key, group, sizeof group, &length) != 1) {
            return bad(what, "EC key without a named curve; ES256 needs P-256");
        }
        const std::string_view name(group, length);
        if (name != "prime256v1" && name != "P-256") {
            return bad(what, fmt::format("EC key on curve {}; ES256 needs P-256 (prime256v1)", name));
        }
        return KeyKind::ec_p256;
    }
    const char* type = EVP_PKEY_get0_type_name(key);
    return bad(what, fmt::format("{} keys are not supported (RSA for RS256, EC P-256 for ES256)", type != nullptr ? type : "these"));
}

Result<std::string> digest_sign(EVP_PKEY* key, std::string_view data) {
    ClearErrorsOnExit clear;
    MdCtx ctx(EVP_MD_CTX_new());
    std::size_t length = 0;
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    if (!ctx || EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key, nullptr) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &length, bytes, data.size()) != 1) {
        return make_error(ExitCode::internal, "OpenSSL could not set up a SHA-256 signature");
    }
    std::string signature(length, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, bytes, data.size()) != 1) {
        return make_error(ExitCode::internal, "OpenSSL could not sign");
    }
    signature.resize(length);
    return signature;
}

}  // namespace

std::string_view to_string(KeyKind kind) { return kind == KeyKind::rsa ? "RSA" : "EC P-256"; }
std::string_view jwt_alg(KeyKind kind) { return kind == KeyKind::rsa ? "RS256" : "ES256"; }

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem, std::string_view what) {
    ClearErrorsOnExit clear;
    const auto labels = pem_labels(pem);
    if (labels.empty()) return bad(what, "not a PEM private key (no -----BEGIN PRIVATE KEY----- line)");
    bool has_key = false;
    for (const auto& label : labels) {
        if (label == "ENCRYPTED PRIVATE KEY") {
            return bad(what, "the private key is encrypted; callctl needs it unencrypted (openssl pkcs8 -topk8 -nocrypt)");
        }
        has_key = has_key || is_private_key_label(label);
    }
    if (!has_key) return bad(what, fmt::format("holds a PEM {}, not a private key", labels.front()));
    if (pem.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos) {
        return bad(what, "the private key is encrypted; callctl needs it unencrypted (openssl pkcs8 -topk8 -nocrypt)");
    }
    Bio bio = memory_bio(pem);
    if (!bio) return bad(what, "the PEM text is too large");
    Pkey key(PEM_read_bio_PrivateKey_ex(bio.get(), nullptr, refuse_passphrase, nullptr, nullptr, nullptr));
    if (!key) return bad(what, "the PEM private key could not be decoded (damaged or truncated)");
    auto kind = classify_key(key.get(), what);
    if (!kind) return std::move(kind).error();
    auto impl = std::make_shared<Impl>();
    impl->key = std::move(key);
    impl->kind = *kind;
    return PrivateKey(std::move(impl));
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem, std::string_view what, KeyKind expected) {
    auto key = from_pem(pem, what);
    if (!key) return key;
    if (key->kind() != expected) {
        return bad(what, fmt::format("is an {} key; {} needs {}", to_string(key->kind()), jwt_alg(expected),
                                     expected == KeyKind::rsa ? "RSA" : "EC P-256"));
    }
    return key;
}

KeyKind PrivateKey::kind() const { return impl_->kind; }

std::string PrivateKey::public_pem() const {
    ClearErrorsOnExit clear;
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), impl_->key.get()) != 1) return {};
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return length > 0 ? std::string(data, static_cast<std::size_t>(length)) : std::string();
}

Result<PublicKey> PublicKey::from_pem(std::string_view pem, std::string_view what) {
    ClearErrorsOnExit clear;
    const auto labels = pem_labels(pem);
    if (labels.empty()) return bad(what, "not a PEM public key (no -----BEGIN PUBLIC KEY----- line)");
    bool has_key = false;
    for (const auto& label : labels) has_key = has_key || label == "PUBLIC KEY";
    if (!has_key) return bad(what, fmt::format("holds a PEM {}, not a public key", labels.front()));
    Bio bio = memory_bio(pem);
    if (!bio) return bad(what, "the PEM text is too large");
    Pkey key(PEM_read_bio_PUBKEY_ex(bio.get(), nullptr, refuse_passphrase, nullptr, nullptr, nullptr));
    if (!key) return bad(what, "the PEM public key could not be decoded (damaged or truncated)");
    auto kind = classify_key(key.get(), what);
    if (!kind) return std::move(kind).error();
    auto impl = std::make_shared<Impl>();
    impl->key = std::move(key);
    impl->kind = *kind;
    return PublicKey(std::move(impl));
}

PublicKey PublicKey::of(const PrivateKey& key) {
    // EVP_PKEY holds both halves; sharing the object is how OpenSSL verifies
    // with a private key's public half.
    EVP_PKEY* shared = key.impl().key.get();
    EVP_PKEY_up_ref(shared);
    auto impl = std::make_shared<Impl>();
    impl->key.reset(shared);
    impl->kind = key.kind();
    return PublicKey(std::move(impl));
}

KeyKind PublicKey::kind() const { return impl_->kind; }

Result<std::string> sign_sha256(const PrivateKey& key, std::string_view data) {
    return digest_sign(key.impl().key.get(), data);
}

bool verify_sha256(const PublicKey& key, std::string_view data, std::string_view signature) {
    ClearErrorsOnExit clear;
    MdCtx ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key.impl().key.get(), nullptr) != 1) {
        return false;
    }
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                            reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

Result<std::string> ecdsa_der_to_raw(std::string_view der, std::size_t half_size) {
    ClearErrorsOnExit clear;
    const auto* start = reinterpret_cast<const unsigned char*>(der.data());
    const unsigned char* cursor = start;
    if (der.empty() || der.size() > 1024 || half_size == 0 || half_size > 66) {
        return make_error(ExitCode::bad_input, "malformed ECDSA signature (DER)");
    }
    EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
    if (!sig || cursor != start + der.size()) return make_error(ExitCode::bad_input, "malformed ECDSA signature (DER)");
    // Only the one strict encoding (minimal lengths and integers) is accepted:
    // re-encoding must give the input back.
    unsigned char* reencoded = nullptr;
    const int length = i2d_ECDSA_SIG(sig.get(), &reencoded);
    const bool canonical = length > 0 && static_cast<std::size_t>(length) == der.size() &&
                           std::string_view(reinterpret_cast<const char*>(reencoded), der.size()) == der;
    OPENSSL_free(reencoded);
    if (!canonical) return make_error(ExitCode::bad_input, "malformed ECDSA signature (not strict DER)");
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    const int width = static_cast<int>(half_size);
    if (BN_is_negative(r) != 0 || BN_is_negative(s) != 0 || BN_num_bytes(r) > width || BN_num_bytes(s) > width) {
        return make_error(ExitCode::bad_input, fmt::format("ECDSA signature values do not fit {} bytes", half_size));
    }
    std::string raw(2 * half_size, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    if (BN_bn2binpad(r, out, width) != width || BN_bn2binpad(s, out + half_size, width) != width) {
        return make_error(ExitCode::internal, "OpenSSL could not encode the ECDSA signature");
    }
    return raw;
}

Result<std::string> ecdsa_raw_to_der(std::string_view raw) {
    ClearErrorsOnExit clear;
    if (raw.empty() || raw.size() % 2 != 0 || raw.size() > 132) {
        return make_error(ExitCode::bad_input, fmt::format("raw ECDSA signature must be r||s of equal halves, got {} bytes", raw.size()));
    }
    const auto half = static_cast<int>(raw.size() / 2);
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
    EcdsaSig sig(ECDSA_SIG_new());
    BIGNUM* r = BN_bin2bn(bytes, half, nullptr);
    BIGNUM* s = BN_bin2bn(bytes + half, half, nullptr);
    if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return make_error(ExitCode::internal, "OpenSSL could not build the ECDSA signature");
    }
    unsigned char* der = nullptr;
    const int length = i2d_ECDSA_SIG(sig.get(), &der);
    if (length <= 0) return make_error(ExitCode::internal, "OpenSSL could not encode the ECDSA signature");
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
    return out;
}

Result<std::string> sign_jwt(const nlohmann::json& extra_header, const nlohmann::json& claims, const PrivateKey& key) {
    nlohmann::json header = {{"alg", jwt_alg(key.kind())}, {"typ", "JWT"}};
    if (extra_header.is_object()) {
        for (const auto& [name, value] : extra_header.items()) header[name] = value;
    }
    std::string token = base64_encode(header.dump(), Base64Alphabet::url, false);
    token += '.';
    token += base64_encode(claims.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), Base64Alphabet::url, false);
    auto signature = sign_sha256(key, token);
    if (!signature) return signature;
    if (key.kind() == KeyKind::ec_p256) {
        signature = ecdsa_der_to_raw(*signature, 32);
        if (!signature) return signature;
    }
    token += '.';
    token += base64_encode(*signature, Base64Alphabet::url, false);
    return token;
}

Result<DecodedJwt> verify_jwt(std::string_view token, const PublicKey& key) {
    auto decoded = decode_jwt(token);
    if (!decoded) return decoded;
    const auto alg = decoded->header.find("alg");
    if (alg == decoded->header.end() || !alg->is_string()) return make_error(ExitCode::bad_input, "JWT header has no alg");
    if (alg->get<std::string>() != jwt_alg(key.kind())) {
        return make_error(ExitCode::bad_input,
                          fmt::format("JWT alg is {}, expected {}", alg->dump(), jwt_alg(key.kind())));
    }
    const auto dot = token.rfind('.');
    auto signature = base64_decode(token.substr(dot + 1));
    if (!signature || signature->empty()) return make_error(ExitCode::bad_input, "JWT signature is not base64url");
    if (key.kind() == KeyKind::ec_p256) {
        if (signature->size() != 64) {
            return make_error(ExitCode::bad_input, fmt::format("ES256 signature must be 64 bytes (r||s), got {}", signature->size()));
        }
        signature = ecdsa_raw_to_der(*signature);
        if (!signature) return std::move(signature).error();
    }
    if (!verify_sha256(key, token.substr(0, dot), *signature)) {
        return make_error(ExitCode::bad_input, "JWT signature does not verify");
    }
    return decoded;
}

}  // namespace callctl::crypto
