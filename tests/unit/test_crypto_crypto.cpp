#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>
#include <thread>
#include <vector>

#include "callctl/crypto/crypto.hpp"

using namespace callctl;
using namespace callctl::crypto;

namespace {

std::string unhex(std::string_view text) {
    auto bytes = hex_decode(text);
    REQUIRE(bytes.has_value());
    return *bytes;
}

// NIST SP 800-38A, F.2.5 / F.2.6 (CBC-AES256)
const std::string nist_key = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
const std::string nist_iv = "000102030405060708090a0b0c0d0e0f";
const std::string nist_plain =
    "6bc1bee22e409f96e93d7e117393172a"
    "ae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52ef"
    "f69f2445df4f9b17ad2b417be66c3710";
const std::string nist_cipher =
    "f58c4c04d6e5f1ba779eabfb5f7bfbd6"
    "9cfc4e967edb808d679f777bc6702c7d"
    "39f23369a9d9bacfa530e26304231461"
    "b2eb05e2c39be9fcda6c19078c6a9d1b";

const std::string key32(32, 'k');

}  // namespace

TEST_CASE("base64 round trips in both alphabets, padded or not") {
    for (std::size_t n = 0; n < 70; ++n) {
        std::string bytes;
        for (std::size_t i = 0; i < n; ++i) bytes += static_cast<char>((i * 37 + 11) & 0xFF);
        for (auto alphabet : {Base64Alphabet::standard, Base64Alphabet::url}) {
            for (bool pad : {true, false}) {
                const auto text = base64_encode(bytes, alphabet, pad);
                auto back = base64_decode(text);
                REQUIRE(back.has_value());
                CHECK(*back == bytes);
            }
        }
    }
}

TEST_CASE("base64 known values, whitespace and alphabets") {
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_encode("fooba") == "Zm9vYmE=");
    CHECK(base64_encode("foob") == "Zm9vYg==");
    CHECK(base64_encode("foob", Base64Alphabet::standard, false) == "Zm9vYg");
    CHECK(base64_encode("\xfb\xff", Base64Alphabet::url, false) == "-_8");
    CHECK(base64_encode("\xfb\xff") == "+/8=");
    CHECK(*base64_decode("Zm9v\nYmE=\r\n") == "fooba");
    CHECK(*base64_decode("  Zm9vYg  ") == "foob");
    CHECK(*base64_decode("-_8") == "\xfb\xff");
    CHECK(*base64_decode("+/8=") == "\xfb\xff");
    CHECK(*base64_decode("") == "");
}

TEST_CASE("base64 rejects malformed input with bad_input and no echo") {
    for (const char* bad : {"Zm9v!", "Z", "Zm9vY", "Zm9vYg=", "Zm9vYg===", "Zm=9v", "=Zm9", "Zm9vYmE=Zg==", "Zm\x80v"}) {
        const std::string text = bad;
        CAPTURE(text);
        auto r = base64_decode(text);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == ExitCode::bad_input);
        CHECK(r.error().message.find("Zm") == std::string::npos);
    }
}

TEST_CASE("base64 groups of four and the characters between them") {
    // The decoder takes whole groups four characters at a time and anything
    // else one by one: a space, '=' or a bad character at any position must
    // give what the one-by-one reading gives.
    const std::string bytes = "any carnal pleasure, 18 bytes!";
    const std::string text = base64_encode(bytes);  // 40 characters, no padding
    for (std::size_t at = 0; at <= text.size(); ++at) {
        CAPTURE(at);
        std::string spaced = text;
        spaced.insert(at, " \n");
        auto back = base64_decode(spaced);
        REQUIRE(back.has_value());
        CHECK(*back == bytes);

        if (at == text.size()) continue;
        std::string broken = text;
        broken[at] = '!';
        auto bad = base64_decode(broken);
        REQUIRE_FALSE(bad.has_value());
        CHECK(bad.error().message == fmt::format("invalid base64: unexpected character at offset {}", at));
    }
    CHECK(base64_decode("Zm9vYmE=Zm9v").error().message == "invalid base64: data after padding at offset 8");
    CHECK(*base64_decode("Zm9vYmFyZm9vYmE=") == "foobarfooba");
    CHECK(*base64_decode("Zm9vYmFyZm9vYg==") == "foobarfoob");
}

TEST_CASE("hex") {
    CHECK(hex_encode("\x01\xab\xff") == "01abff");
    CHECK(*hex_decode("01ABff") == "\x01\xab\xff");
    CHECK_FALSE(hex_decode("abc").has_value());
    CHECK_FALSE(hex_decode("zz").has_value());
}

TEST_CASE("random_bytes") {
    CHECK(random_bytes(16).size() == 16);
    CHECK(random_bytes(32) != random_bytes(32));
    CHECK(random_bytes(0).empty());
}

TEST_CASE("AES-256-CBC: NIST SP 800-38A F.2.5 encrypt and F.2.6 decrypt") {
    const auto key = unhex(nist_key);
    const auto iv = unhex(nist_iv);
    auto ct = aes256cbc_encrypt(key, iv, unhex(nist_plain), Padding::none);
    REQUIRE(ct.has_value());
    CHECK(hex_encode(*ct) == nist_cipher);
    auto pt = aes256cbc_decrypt(key, iv, unhex(nist_cipher), Padding::none);
    REQUIRE(pt.has_value());
    CHECK(hex_encode(*pt) == nist_plain);
}

TEST_CASE("open(): the decode-push path decrypts the NIST vector") {
    const auto key = unhex(nist_key);
    const std::string blob = unhex(nist_iv) + unhex(nist_cipher);
    SUBCASE("no padding, standard base64") {
        auto pt = open(key, base64_encode(blob), Padding::none);
        REQUIRE(pt.has_value());
        CHECK(hex_encode(*pt) == nist_plain);
    }
    SUBCASE("PKCS#7: the NIST blocks plus one full padding block, URL-safe unpadded") {
        // CBC lets us extend the NIST ciphertext: the padding block 16×0x10
        // is encrypted with the last NIST ciphertext block as its IV.
        auto pad_block = aes256cbc_encrypt(key, unhex(nist_cipher).substr(48), std::string(16, '\x10'), Padding::none);
        REQUIRE(pad_block.has_value());
        auto pt = open(key, base64_encode(blob + *pad_block, Base64Alphabet::url, false));
        REQUIRE(pt.has_value());
        CHECK(hex_encode(*pt) == nist_plain);
        // and it matches what the library's own PKCS#7 encryption produces
        auto ct = aes256cbc_encrypt(key, unhex(nist_iv), unhex(nist_plain));
        REQUIRE(ct.has_value());
        CHECK(*ct == unhex(nist_cipher) + *pad_block);
    }
}

TEST_CASE("PKCS#7 edge cases") {
    const std::string iv(16, '\0');
    SUBCASE("empty plaintext is one full padding block") {
        auto ct = aes256cbc_encrypt(key32, iv, "");
        REQUIRE(ct.has_value());
        CHECK(ct->size() == 16);
        auto pt = aes256cbc_decrypt(key32, iv, *ct);
        REQUIRE(pt.has_value());
        CHECK(pt->empty());
    }
    SUBCASE("exactly one block of plaintext gains a whole padding block") {
        const std::string plain(16, 'a');
        auto ct = aes256cbc_encrypt(key32, iv, plain);
        REQUIRE(ct.has_value());
        CHECK(ct->size() == 32);
        CHECK(*aes256cbc_decrypt(key32, iv, *ct) == plain);
    }
    SUBCASE("15 and 17 bytes") {
        for (std::size_t n : {15u, 17u}) {
            const std::string plain(n, 'b');
            auto ct = aes256cbc_encrypt(key32, iv, plain);
            REQUIRE(ct.has_value());
            CHECK(ct->size() == (n / 16 + 1) * 16);
            CHECK(*aes256cbc_decrypt(key32, iv, *ct) == plain);
        }
    }
    SUBCASE("unpadded encryption needs whole blocks") {
        CHECK(aes256cbc_encrypt(key32, iv, "abc", Padding::none).error().code == ExitCode::bad_input);
    }
    SUBCASE("bad key and IV sizes") {
        CHECK(aes256cbc_encrypt("short", iv, "x").error().code == ExitCode::bad_input);
        CHECK(aes256cbc_decrypt(key32, "short", std::string(16, 'x')).error().code == ExitCode::bad_input);
    }
}

TEST_CASE("seal/open round trip with a fresh IV each time") {
    const std::string plain = R"({"url":"https://cam.example/1","username":"u","password":"p"})";
    const auto a = seal(key32, plain);
    const auto b = seal(key32, plain);
    CHECK(a != b);
    CHECK(*open(key32, a) == plain);
    CHECK(*open(key32, b) == plain);
    CHECK(*open(key32, seal(key32, "")) == "");
}

TEST_CASE("open() failures are push_crypto and return no plaintext") {
    const std::string plain = R"({"roomName":"r","domain":"d","jsonWebToken":"t"})";
    const auto sealed = seal(key32, plain);
    SUBCASE("wrong key") {
        // A wrong key shows as bad padding except with ~1/256 chance per key;
        // try several keys and require that none yields the plaintext.
        int failures = 0;
        for (char c = 'a'; c < 'a' + 8; ++c) {
            auto r = open(std::string(32, c), sealed);
            if (!r) {
                ++failures;
                CHECK(r.error().code == ExitCode::push_crypto);
                CHECK(r.error().message == "wrong key or corrupted payload");
            } else {
                CHECK(*r != plain);
            }
        }
        CHECK(failures >= 6);
    }
    SUBCASE("truncated by one byte: not a whole number of blocks") {
        auto blob = *base64_decode(sealed);
        blob.pop_back();
        auto r = open(key32, base64_encode(blob));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == ExitCode::push_crypto);
    }
    SUBCASE("truncated by one block: bad padding") {
        // IV ‖ C1..Ck; drop Ck. The block left last, C(k-1), decrypts to
        // D(C(k-1)) XOR C(k-2): plaintext, whose last byte is at the same
        // offset in the plaintext as C(k-2)'s last byte is in the blob.
        // XOR-ing that byte with the known plaintext byte makes the block end
        // in 0x00, never valid PKCS#7 padding, whatever the random IV was.
        // (Flipping a byte of C(k-1) itself would scramble the block at
        // random, and 1 time in 256 leave a valid pad.)
        auto blob = *base64_decode(sealed);
        blob.resize(blob.size() - 16);
        const std::size_t last = blob.size() - 17;
        REQUIRE(last < plain.size());
        blob[last] = static_cast<char>(blob[last] ^ plain[last]);
        auto r = open(key32, base64_encode(blob));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == ExitCode::push_crypto);
    }
    SUBCASE("shorter than IV, or IV only") {
        for (std::size_t n : {0u, 5u, 16u, 31u}) {
            auto r = open(key32, base64_encode(std::string(n, 'x')));
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().code == ExitCode::push_crypto);
        }
    }
    SUBCASE("not base64") {
        auto r = open(key32, "not base64!");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == ExitCode::push_crypto);
    }
    SUBCASE("URL-safe and unpadded are accepted") {
        const auto blob = *base64_decode(sealed);
        CHECK(*open(key32, base64_encode(blob, Base64Alphabet::url, false)) == plain);
    }
    SUBCASE("a key of the wrong length") {
        auto r = open("0123456789", sealed);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == ExitCode::bad_input);
    }
}

TEST_CASE("parse_key") {
    const std::string raw = unhex(nist_key);
    CHECK(*parse_key(nist_key) == raw);
    CHECK(*parse_key("  " + nist_key + "\n") == raw);
    CHECK(*parse_key(base64_encode(raw)) == raw);
    CHECK(*parse_key(base64_encode(raw, Base64Alphabet::url, false) + "\n") == raw);
    SUBCASE("wrong lengths name the byte count, never the key") {
        auto short_hex = parse_key("603deb1015ca71be2b73aef0857d7781");
        REQUIRE_FALSE(short_hex.has_value());
        CHECK(short_hex.error().code == ExitCode::bad_input);
        CHECK(short_hex.error().message == "push key must be 32 bytes (64 hex digits or base64), got 16 bytes");
        auto long_b64 = parse_key(base64_encode(std::string(48, 'z')));
        REQUIRE_FALSE(long_b64.has_value());
        CHECK(long_b64.error().message == "push key must be 32 bytes (64 hex digits or base64), got 48 bytes");
    }
    SUBCASE("garbage and empty") {
        auto garbage = parse_key("secret key!");
        REQUIRE_FALSE(garbage.has_value());
        CHECK(garbage.error().code == ExitCode::bad_input);
        CHECK(garbage.error().message.find("secret") == std::string::npos);
        CHECK(parse_key("  \n").error().code == ExitCode::bad_input);
    }
}

TEST_CASE("HMAC-SHA256: RFC 4231 test cases 1 and 2") {
    CHECK(hex_encode(hmac_sha256(std::string(20, '\x0b'), "Hi There")) ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("HMAC-SHA1: RFC 2202 test cases 1 and 2") {
    CHECK(hex_encode(hmac_sha1(std::string(20, '\x0b'), "Hi There")) == "b617318655057264e28bc0b6fb378c8ef146be00");
    CHECK(hex_encode(hmac_sha1("Jefe", "what do ya want for nothing?")) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

// hmac() keeps each thread's last key and digest: a change of either, an
// empty key, a key longer than a block and other threads must all still give
// the MAC of what they were asked.
TEST_CASE("HMAC: key and digest changes between calls, empty and long keys, other threads") {
    const std::string rfc4231_1 = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
    const std::string rfc4231_2 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    for (int round = 0; round < 3; ++round) {
        CHECK(hex_encode(hmac_sha256(std::string(20, '\x0b'), "Hi There")) == rfc4231_1);
        CHECK(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")) == rfc4231_2);
        CHECK(hex_encode(hmac_sha1("Jefe", "what do ya want for nothing?")) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    }
    // Values from Python's hmac module.
    CHECK(hex_encode(hmac_sha256("", "")) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    CHECK(hex_encode(hmac_sha256("Jefe", "")) == "923598ca6d64af2a5dba79dcd021a8a0fe5c5f557519adaaf0ad532d4506dd30");
    CHECK(hex_encode(hmac_sha1("", "Hi There")) == "69536cc84eee5fe51c5b051aff8485f5c9ef0b58");
    CHECK(hex_encode(hmac_sha256(std::string(200, 'k'), "Hi There")) ==
          "963fcdb2b05025aa41276d6330fe6dec2194a27f0f60228a179043c1500e58bb");
    // The same key again after a different one: not the other key's MAC.
    CHECK(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")) == rfc4231_2);

    std::vector<std::string> seen(4);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < seen.size(); ++i) {
        threads.emplace_back([&seen, i] {
            for (int n = 0; n < 100; ++n) {
                seen[i] = hex_encode(i % 2 == 0 ? hmac_sha256(std::string(20, '\x0b'), "Hi There")
                                                : hmac_sha256("Jefe", "what do ya want for nothing?"));
            }
        });
    }
    for (auto& thread : threads) thread.join();
    for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == (i % 2 == 0 ? rfc4231_1 : rfc4231_2));
}

TEST_CASE("constant_time_equal") {
    CHECK(constant_time_equal("abc", "abc"));
    CHECK_FALSE(constant_time_equal("abc", "abd"));
    CHECK_FALSE(constant_time_equal("abc", "abcd"));
    CHECK(constant_time_equal("", ""));
}
