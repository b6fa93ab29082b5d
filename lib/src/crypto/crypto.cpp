#include "callctl/crypto/crypto.hpp"

#include <array>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>

#include "callctl/util/strings.hpp"

namespace callctl::crypto {

namespace {

// ---------------------------------------------------------------- base64

constexpr char std_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Decoding table: 0..63 a sextet, the markers below for everything else.
constexpr std::uint8_t b64_invalid = 0xFF;
constexpr std::uint8_t b64_space = 0xFE;
constexpr std::uint8_t b64_pad = 0xFD;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
    std::array<std::uint8_t, 256> table{};
    for (auto& entry : table) entry = b64_invalid;
    for (std::uint8_t i = 0; i < 64; ++i) {
        table[static_cast<unsigned char>(std_alphabet[i])] = i;
        table[static_cast<unsigned char>(url_alphabet[i])] = i;
    }
    for (const char c : {' ', '\t', '\n', '\r', '\f', '\v'}) table[static_cast<unsigned char>(c)] = b64_space;
    table[static_cast<unsigned char>('=')] = b64_pad;
    return table;
}
constexpr auto b64_decode_table = make_decode_table();

Error base64_error(std::string_view what, std::size_t offset) {
    return make_error(ExitCode::bad_input, fmt::format("invalid base64: {} at offset {}", what, offset));
}

// ---------------------------------------------------------------- hex

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// ---------------------------------------------------------------- EVP

struct CipherCtxDeleter {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

struct CipherDeleter {
    void operator()(EVP_CIPHER* cipher) const { EVP_CIPHER_free(cipher); }
};

// Fetched once: EVP_aes_256_cbc() makes OpenSSL 3 look the provider up again on
// every init, which is measurable on the decode-push --stream hot path.
const EVP_CIPHER* aes256cbc() {
    static const std::unique_ptr<EVP_CIPHER, CipherDeleter> cipher(EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr));
    return cipher ? cipher.get() : EVP_aes_256_cbc();
}

// One context per thread, re-initialised per message: allocation is the
// dominant cost for the ~100-byte intercom blobs.
EVP_CIPHER_CTX* thread_cipher_ctx() {
    thread_local CipherCtx ctx(EVP_CIPHER_CTX_new());
    return ctx.get();
}

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytes_of(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

Status check_key_iv(std::string_view key, std::string_view iv) {
    if (key.size() != aes_key_size) {
        return make_error(ExitCode::bad_input,
                          fmt::format("AES-256 key must be {} bytes, got {} bytes", aes_key_size, key.size()));
    }
    if (iv.size() != aes_block_size) {
        return make_error(ExitCode::bad_input,
                          fmt::format("AES-CBC IV must be {} bytes, got {} bytes", aes_block_size, iv.size()));
    }
    return {};
}

Error wrong_key() { return make_error(ExitCode::push_crypto, "wrong key or corrupted payload"); }

// Runs one whole message through the cipher. Returns false on any EVP
// failure (for decryption: bad padding) after wiping the partial output.
bool run_cipher(bool encrypt, std::string_view key, std::string_view iv, std::string_view input, Padding padding,
                std::string& out) {
    if (input.size() > static_cast<std::size_t>(INT_MAX) - aes_block_size) return false;
    EVP_CIPHER_CTX* ctx = thread_cipher_ctx();
    if (ctx == nullptr) return false;
    if (EVP_CipherInit_ex2(ctx, aes256cbc(), bytes_of(key), bytes_of(iv), encrypt ? 1 : 0, nullptr) != 1) return false;
    EVP_CIPHER_CTX_set_padding(ctx, padding == Padding::pkcs7 ? 1 : 0);
    out.resize(input.size() + aes_block_size);
    int written = 0;
    int final_written = 0;
    const bool ok = EVP_CipherUpdate(ctx, bytes_of(out), &written, bytes_of(input), static_cast<int>(input.size())) == 1 &&
                    EVP_CipherFinal_ex(ctx, bytes_of(out) + written, &final_written) == 1;
    if (!ok) {
        OPENSSL_cleanse(out.data(), out.size());
        out.clear();
        return false;
    }
    out.resize(static_cast<std::size_t>(written) + static_cast<std::size_t>(final_written));
    return true;
}

}  // namespace

// ---------------------------------------------------------------- encodings

std::string base64_encode(std::string_view bytes, Base64Alphabet alphabet, bool pad) {
    const char* table = alphabet == Base64Alphabet::url ? url_alphabet : std_alphabet;
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    const auto* in = bytes_of(bytes);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t n = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
        out += table[(n >> 18) & 63];
        out += table[(n >> 12) & 63];
        out += table[(n >> 6) & 63];
        out += table[n & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t n = std::uint32_t{in[i]} << 16;
        if (rest == 2) n |= std::uint32_t{in[i + 1]} << 8;
        out += table[(n >> 18) & 63];
        out += table[(n >> 12) & 63];
        if (rest == 2) out += table[(n >> 6) & 63];
        if (pad) out.append(rest == 1 ? 2 : 1, '=');
    }
    return out;
}

Status base64_decode_into(std::string_view text, std::string& out) {
    // Written through a raw pointer into a pre-sized buffer: this runs twice
    // per intercom push, and per-byte push_back showed up in profiles.
    out.resize(text.size() / 4 * 3 + 3);
    char* write = out.data();
    const auto* in = bytes_of(text);
    std::uint32_t acc = 0;
    std::size_t sextets = 0;  // data characters seen
    std::size_t pads = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        // Four data characters at a time while they come in whole groups (all
        // of a push's fields but their last group): one test per group instead
        // of four branches and counts (a push's base64 took 16 k instructions,
        // 8 k this way). Anything else, one character at a time below.
        if (sextets % 4 == 0 && pads == 0) {
            while (i + 4 <= text.size()) {
                const std::uint32_t a = b64_decode_table[in[i]];
                const std::uint32_t b = b64_decode_table[in[i + 1]];
                const std::uint32_t c = b64_decode_table[in[i + 2]];
                const std::uint32_t d = b64_decode_table[in[i + 3]];
                if ((a | b | c | d) >= 64) break;  // a marker: space, '=' or invalid
                const std::uint32_t group = (a << 18) | (b << 12) | (c << 6) | d;
                *write++ = static_cast<char>((group >> 16) & 0xFF);
                *write++ = static_cast<char>((group >> 8) & 0xFF);
                *write++ = static_cast<char>(group & 0xFF);
                i += 4;
                sextets += 4;
            }
            if (i == text.size()) break;
        }
        const std::uint8_t v = b64_decode_table[in[i]];
        if (v < 64) {
            if (pads > 0) return base64_error("data after padding", i);
            acc = (acc << 6) | v;
            if (++sextets % 4 == 0) {
                *write++ = static_cast<char>((acc >> 16) & 0xFF);
                *write++ = static_cast<char>((acc >> 8) & 0xFF);
                *write++ = static_cast<char>(acc & 0xFF);
                acc = 0;
            }
        } else if (v == b64_space) {
            continue;
        } else if (v == b64_pad) {
            // Padding only completes a final group of 2 or 3 characters.
            const std::size_t partial = sextets % 4;
            if (partial < 2 || partial + pads >= 4) return base64_error("misplaced '='", i);
            ++pads;
        } else {
            return base64_error("unexpected character", i);
        }
    }
    const std::size_t partial = sextets % 4;
    if (partial == 1) return base64_error("truncated input", text.size());
    if (pads > 0 && partial + pads != 4) return base64_error("incomplete padding", text.size());
    if (partial == 2) {
        *write++ = static_cast<char>((acc >> 4) & 0xFF);
    } else if (partial == 3) {
        *write++ = static_cast<char>((acc >> 10) & 0xFF);
        *write++ = static_cast<char>((acc >> 2) & 0xFF);
    }
    out.resize(static_cast<std::size_t>(write - out.data()));
    return {};
}

Result<std::string> base64_decode(std::string_view text) {
    std::string out;
    if (auto ok = base64_decode_into(text, out); !ok) return std::move(ok).error();
    return out;
}

std::string hex_encode(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char byte : bytes) {
        const auto c = static_cast<unsigned char>(byte);
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

Result<std::string> hex_decode(std::string_view text) {
    if (text.size() % 2 != 0) return make_error(ExitCode::bad_input, "invalid hex: odd number of digits");
    std::string out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int hi = hex_value(text[i]);
        const int lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) {
            return make_error(ExitCode::bad_input, fmt::format("invalid hex: not a hex digit at offset {}", hi < 0 ? i : i + 1));
        }
        out += static_cast<char>((hi << 4) | lo);
    }
    return out;
}

// ---------------------------------------------------------------- randomness

std::string random_bytes(std::size_t count) {
    std::string out(count, '\0');
    if (count > 0 && RAND_bytes(bytes_of(out), static_cast<int>(count)) != 1) std::abort();
    return out;
}

// ---------------------------------------------------------------- AES-256-CBC

Result<std::string> aes256cbc_encrypt(std::string_view key, std::string_view iv, std::string_view plaintext,
                                      Padding padding) {
    if (auto ok = check_key_iv(key, iv); !ok) return std::move(ok).error();
    if (padding == Padding::none && plaintext.size() % aes_block_size != 0) {
        return make_error(ExitCode::bad_input, fmt::format("without padding the plaintext must be a multiple of {} bytes, got {}",
                                                           aes_block_size, plaintext.size()));
    }
    std::string out;
    if (!run_cipher(true, key, iv, plaintext, padding, out)) return make_error(ExitCode::internal, "AES-256-CBC encryption failed");
    return out;
}

Result<std::string> aes256cbc_decrypt(std::string_view key, std::string_view iv, std::string_view ciphertext,
                                      Padding padding) {
    if (auto ok = check_key_iv(key, iv); !ok) return std::move(ok).error();
    if (ciphertext.size() % aes_block_size != 0 || (padding == Padding::pkcs7 && ciphertext.empty())) return wrong_key();
    std::string out;
    if (!run_cipher(false, key, iv, ciphertext, padding, out)) return wrong_key();
    return out;
}

std::string seal(std::string_view key, std::string_view plaintext) {
    if (key.size() != aes_key_size) std::abort();  // documented precondition
    const std::string iv = random_bytes(aes_block_size);
    std::string ciphertext;
    if (!run_cipher(true, key, iv, plaintext, Padding::pkcs7, ciphertext)) std::abort();
    std::string blob;
    blob.reserve(iv.size() + ciphertext.size());
    blob += iv;
    blob += ciphertext;
    return base64_encode(blob);
}

Status open_into(std::string_view key, std::string_view sealed_base64, std::string& blob, std::string& plaintext,
                 Padding padding) {
    if (key.size() != aes_key_size) {
        return make_error(ExitCode::bad_input,
                          fmt::format("push key must be 32 bytes (64 hex digits or base64), got {} bytes", key.size()));
    }
    if (auto decoded = base64_decode_into(sealed_base64, blob); !decoded) {
        return make_error(ExitCode::push_crypto, std::move(decoded).error().message);
    }
    const std::string_view bytes = blob;
    const std::size_t min_size = aes_block_size + (padding == Padding::pkcs7 ? aes_block_size : 0);
    if (bytes.size() < min_size) {
        return make_error(ExitCode::push_crypto,
                          fmt::format("encrypted value too short: {} bytes, need at least {} (IV + one block)", bytes.size(),
                                      aes_block_size * 2));
    }
    if ((bytes.size() - aes_block_size) % aes_block_size != 0) {
        return make_error(ExitCode::push_crypto,
                          fmt::format("encrypted value is not IV + whole {}-byte blocks ({} bytes): truncated or corrupted",
                                      aes_block_size, bytes.size()));
    }
    const std::string_view ciphertext = bytes.substr(aes_block_size);
    if (ciphertext.empty() && padding == Padding::pkcs7) return wrong_key();
    if (!run_cipher(false, key, bytes.substr(0, aes_block_size), ciphertext, padding, plaintext)) return wrong_key();
    return {};
}

Result<std::string> open(std::string_view key, std::string_view sealed_base64, Padding padding) {
    std::string blob;
    std::string plaintext;
    if (auto ok = open_into(key, sealed_base64, blob, plaintext, padding); !ok) return std::move(ok).error();
    return plaintext;
}

Result<std::string> parse_key(std::string_view text) {
    const std::string_view trimmed = util::trim(text);
    if (trimmed.empty()) return make_error(ExitCode::bad_input, "push key is empty");
    const auto wrong_size = [](std::size_t n) {
        return make_error(ExitCode::bad_input,
                          fmt::format("push key must be 32 bytes (64 hex digits or base64), got {} bytes", n));
    };
    bool all_hex = true;
    for (const char c : trimmed) all_hex = all_hex && hex_value(c) >= 0;
    // Hex digits are also base64 characters, so an even run of hex digits is
    // read as hex; base64 of 32 bytes is 43 characters (+ '='), never even hex.
    if (all_hex && trimmed.size() % 2 == 0) {
        if (trimmed.size() != aes_key_size * 2) return wrong_size(trimmed.size() / 2);
        return hex_decode(trimmed);
    }
    auto decoded = base64_decode(trimmed);
    if (!decoded) return make_error(ExitCode::bad_input, "push key is neither 64 hex digits nor base64");
    if (decoded->size() != aes_key_size) {
        const std::size_t n = decoded->size();
        OPENSSL_cleanse(decoded->data(), decoded->size());
        return wrong_size(n);
    }
    return decoded;
}

// ---------------------------------------------------------------- MACs

namespace {

// HMAC() looks the MAC and the digest up by name on every call (it is
// EVP_Q_mac), which costs as much as hashing a webhook body. listen checks
// every webhook with the same key, so each thread keeps one context keyed with
// the last key and digest it saw and copies it for each message: the copy
// carries the key's inner and outer pads, the lookups are not repeated.
struct MacContextFree {
    void operator()(EVP_MAC_CTX* context) const { EVP_MAC_CTX_free(context); }
};
using MacContext = std::unique_ptr<EVP_MAC_CTX, MacContextFree>;

[[noreturn]] void mac_failed() {
    std::abort();  // only on allocation failure; a wrong MAC must never be returned
}

EVP_MAC* hmac_implementation() {
    // Fetched once and kept to the end of the process.
    static EVP_MAC* const implementation = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (implementation == nullptr) mac_failed();
    return implementation;
}

class KeyedHmac {
public:
    KeyedHmac() = default;
    KeyedHmac(const KeyedHmac&) = delete;
    KeyedHmac& operator=(const KeyedHmac&) = delete;
    ~KeyedHmac() { forget_key(); }

    const EVP_MAC_CTX* for_key(const char* digest, std::string_view key) {
        if (context_ == nullptr || digest_ != digest || !constant_time_equal(key_, key)) {
            MacContext context(EVP_MAC_CTX_new(hmac_implementation()));
            if (context == nullptr) mac_failed();
            OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
                                   OSSL_PARAM_construct_end()};
            // A null key pointer means "keep the old key" to EVP_MAC_init, so
            // an empty key is passed as an empty array, never as nullptr.
            static constexpr unsigned char no_key[1] = {0};
            const auto* key_bytes = key.empty() ? no_key : bytes_of(key);
            if (EVP_MAC_init(context.get(), key_bytes, key.size(), params) != 1) mac_failed();
            forget_key();
            key_.assign(key);
            digest_ = digest;
            context_ = std::move(context);
        }
        return context_.get();
    }

private:
    void forget_key() { OPENSSL_cleanse(key_.data(), key_.size()); }

    MacContext context_;
    std::string_view digest_;  // a name given to OpenSSL: "SHA256", "SHA1"
    std::string key_;
};

std::string hmac(const char* digest, std::string_view key, std::string_view data) {
    thread_local KeyedHmac keyed;
    const MacContext context(EVP_MAC_CTX_dup(keyed.for_key(digest, key)));
    if (context == nullptr) mac_failed();
    std::string out(EVP_MAX_MD_SIZE, '\0');
    std::size_t length = 0;
    if (EVP_MAC_update(context.get(), bytes_of(data), data.size()) != 1 ||
        EVP_MAC_final(context.get(), bytes_of(out), &length, out.size()) != 1) {
        mac_failed();
    }
    out.resize(length);
    return out;
}

}  // namespace

std::string hmac_sha256(std::string_view key, std::string_view data) { return hmac("SHA256", key, data); }

std::string hmac_sha1(std::string_view key, std::string_view data) { return hmac("SHA1", key, data); }

bool constant_time_equal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace callctl::crypto
