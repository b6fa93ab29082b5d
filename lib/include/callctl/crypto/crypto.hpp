// Thin, safe wrappers over OpenSSL EVP. Byte strings are std::string.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "callctl/error.hpp"

namespace callctl::crypto {

// ---- encodings
enum class Base64Alphabet { standard, url };
std::string base64_encode(std::string_view bytes, Base64Alphabet alphabet = Base64Alphabet::standard,
                          bool pad = true);
// Accepts the standard and the URL-safe alphabet, padded or not, and ignores
// ASCII whitespace. Anything else is bad_input (3).
Result<std::string> base64_decode(std::string_view text);
std::string hex_encode(std::string_view bytes);
Result<std::string> hex_decode(std::string_view text);

// ---- randomness (RAND_bytes; never std::rand)
std::string random_bytes(std::size_t count);

// ---- AES-256-CBC
inline constexpr std::size_t aes_key_size = 32;
inline constexpr std::size_t aes_block_size = 16;
enum class Padding { pkcs7, none };
// Key must be 32 bytes and IV 16 bytes (else bad_input). With Padding::none the
// input must be a whole number of blocks (NIST SP 800-38A vectors use this).
Result<std::string> aes256cbc_encrypt(std::string_view key, std::string_view iv, std::string_view plaintext,
                                      Padding padding = Padding::pkcs7);
// Bad padding or a ciphertext that is not a whole number of blocks is
// push_crypto (9), "wrong key or corrupted payload"; nothing of the
// plaintext is returned then.
Result<std::string> aes256cbc_decrypt(std::string_view key, std::string_view iv, std::string_view ciphertext,
                                      Padding padding = Padding::pkcs7);

// The intercom push convention (protocols.md §4): base64(IV || ciphertext),
// AES-256-CBC, PKCS#7, a fresh random IV each time.
std::string seal(std::string_view key, std::string_view plaintext);
Result<std::string> open(std::string_view key, std::string_view sealed_base64);

// A 32-byte key written as 64 hex digits or as base64 (surrounding whitespace
// ignored). Anything else is bad_input, naming what was wrong but never
// echoing the key.
Result<std::string> parse_key(std::string_view text);

// ---- MACs
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace callctl::crypto
