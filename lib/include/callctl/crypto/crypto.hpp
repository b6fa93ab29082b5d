// Thin, safe wrappers over OpenSSL EVP. Byte strings are std::string.
// Nothing here prints, throws or echoes secret input in an error message.
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
// Accepts the standard and the URL-safe alphabet (mixed, even), padded or not,
// and ignores ASCII whitespace anywhere. Anything else (a stray character,
// misplaced or excess '=', a lone trailing character) is bad_input (3); the
// message gives the offset, never the text. Unused trailing bits are ignored.
Result<std::string> base64_decode(std::string_view text);
// The same into a buffer the caller reuses (decode-push --stream's hot path).
Status base64_decode_into(std::string_view text, std::string& out);
std::string hex_encode(std::string_view bytes);  // lower case
Result<std::string> hex_decode(std::string_view text);  // either case; bad_input when odd or not hex

// ---- randomness (RAND_bytes; never std::rand). If the OpenSSL generator ever
// fails this aborts: a predictable IV or key must never be used.
std::string random_bytes(std::size_t count);

// ---- AES-256-CBC
inline constexpr std::size_t aes_key_size = 32;
inline constexpr std::size_t aes_block_size = 16;
enum class Padding { pkcs7, none };
// Key must be 32 bytes and IV 16 bytes (else bad_input). With Padding::none the
// input must be a whole number of blocks (NIST SP 800-38A vectors use this).
Result<std::string> aes256cbc_encrypt(std::string_view key, std::string_view iv, std::string_view plaintext,
                                      Padding padding = Padding::pkcs7);
// Bad padding or a ciphertext that is not a whole number of blocks (or, with
// PKCS#7, empty) is push_crypto (9), "wrong key or corrupted payload"; nothing
// of the plaintext is returned then.
Result<std::string> aes256cbc_decrypt(std::string_view key, std::string_view iv, std::string_view ciphertext,
                                      Padding padding = Padding::pkcs7);

// The intercom push convention (protocols.md §4): base64(IV || ciphertext),
// AES-256-CBC, PKCS#7, a fresh random IV each time.
// seal: precondition key.size() == aes_key_size (keys come from parse_key);
// a wrong-sized key is a bug and aborts rather than producing a bad push.
std::string seal(std::string_view key, std::string_view plaintext);
// open: a key that is not 32 bytes is bad_input (3). Everything about the blob
// is push_crypto (9): not base64, shorter than IV + one block, not a whole
// number of blocks, bad padding ("wrong key or corrupted payload").
Result<std::string> open(std::string_view key, std::string_view sealed_base64,
                         Padding padding = Padding::pkcs7);
// The same into buffers the caller reuses: `blob` gets the decoded base64,
// `plaintext` the result (wiped and emptied on failure).
Status open_into(std::string_view key, std::string_view sealed_base64, std::string& blob, std::string& plaintext,
                 Padding padding = Padding::pkcs7);

// A 32-byte key written as 64 hex digits or as base64 (surrounding whitespace
// ignored). Anything else is bad_input, naming what was wrong but never
// echoing the key: "push key must be 32 bytes (64 hex digits or base64), got N bytes".
Result<std::string> parse_key(std::string_view text);

// ---- MACs
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string hmac_sha1(std::string_view key, std::string_view data);    // raw 20 bytes (Webex X-Spark-Signature)
// Constant time in the contents; a length mismatch returns false at once
// (lengths of MACs are public).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace callctl::crypto
