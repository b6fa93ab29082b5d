// RS256 / ES256 signing (crypto/sign.hpp): the RFC 7515 appendix A.2 and A.3
// vectors, signatures checked by `openssl dgst -sha256 -verify` run from the
// test, the DER <-> raw r||s conversion, and key files that must be refused.
//
// tests/data/rfc7515_a2_rsa.pem and rfc7515_a3_ec.pem are the RFC's JWK keys
// as PKCS#8 PEM (built with `openssl asn1parse -genconf` from the JWK
// members, then `openssl pkey`); the A.2 test proves the conversion, since
// RSA PKCS#1 v1.5 signatures are deterministic.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "callctl/crypto/crypto.hpp"
#include "callctl/crypto/sign.hpp"
#include "testutil.hpp"

using namespace callctl;
using namespace callctl::crypto;

namespace {

std::string read_data(const std::string& name) {
    std::ifstream in(std::filesystem::path(CALLCTL_TEST_DATA_DIR) / name, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void write(const std::filesystem::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

int shell(const std::string& command) {
    const int status = std::system((command + " >/dev/null 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// `openssl dgst -sha256 -verify`: 0 when it says "Verified OK".
int openssl_verify(const PrivateKey& key, std::string_view data, std::string_view der_or_pkcs1_signature) {
    testing::TempDir dir;
    write(dir / "pub.pem", key.public_pem());
    write(dir / "data", data);
    write(dir / "sig", der_or_pkcs1_signature);
    return shell("openssl dgst -sha256 -verify '" + (dir / "pub.pem").string() + "' -signature '" + (dir / "sig").string() +
                 "' '" + (dir / "data").string() + "'");
}

std::string fresh_key_pem(const std::string& genpkey_args) {
    testing::TempDir dir;
    const auto path = dir / "key.pem";
    REQUIRE(shell("openssl genpkey " + genpkey_args + " -out '" + path.string() + "'") == 0);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

constexpr std::string_view rfc7515_payload_b64 =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
constexpr std::string_view rfc7515_a2_signature =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1d"
    "nZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDw"
    "usC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
constexpr std::string_view rfc7515_a3_signature =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

std::string b64url(std::string_view bytes) { return base64_encode(bytes, Base64Alphabet::url, false); }

}  // namespace

TEST_CASE("RS256: RFC 7515 A.2 known answer, and openssl verifies it") {
    auto key = PrivateKey::from_pem(read_data("rfc7515_a2_rsa.pem"), "A.2 key");
    REQUIRE(key.has_value());
    CHECK(key->kind() == KeyKind::rsa);
    const std::string signing_input = "eyJhbGciOiJSUzI1NiJ9." + std::string(rfc7515_payload_b64);
    auto signature = sign_sha256(*key, signing_input);
    REQUIRE(signature.has_value());
    CHECK(b64url(*signature) == rfc7515_a2_signature);
    CHECK(openssl_verify(*key, signing_input, *signature) == 0);
    CHECK(openssl_verify(*key, signing_input + "x", *signature) != 0);  // the check can fail

    // The same through verify_jwt, and a tampered token is refused.
    const std::string token = signing_input + "." + std::string(rfc7515_a2_signature);
    auto verified = verify_jwt(token, PublicKey::of(*key));
    REQUIRE(verified.has_value());
    CHECK(verified->claims["iss"] == "joe");
    std::string tampered = token;
    tampered[30] = tampered[30] == 'A' ? 'B' : 'A';
    CHECK_FALSE(verify_jwt(tampered, PublicKey::of(*key)).has_value());
}

TEST_CASE("ES256: RFC 7515 A.3 verifies; our signatures verify with openssl and with the RFC key") {
    auto key = PrivateKey::from_pem(read_data("rfc7515_a3_ec.pem"), "A.3 key");
    REQUIRE(key.has_value());
    CHECK(key->kind() == KeyKind::ec_p256);
    const std::string signing_input = "eyJhbGciOiJFUzI1NiJ9." + std::string(rfc7515_payload_b64);
    const std::string token = signing_input + "." + std::string(rfc7515_a3_signature);
    auto verified = verify_jwt(token, PublicKey::of(*key));
    REQUIRE(verified.has_value());
    CHECK(verified->header["alg"] == "ES256");

    // The RFC's raw r||s, converted to DER, is what openssl verifies.
    auto raw = base64_decode(rfc7515_a3_signature);
    REQUIRE(raw.has_value());
    auto der = ecdsa_raw_to_der(*raw);
    REQUIRE(der.has_value());
    CHECK(openssl_verify(*key, signing_input, *der) == 0);
    auto back = ecdsa_der_to_raw(*der);
    REQUIRE(back.has_value());
    CHECK(*back == *raw);

    // ECDSA is randomised: a fresh JWT differs each time but always verifies.
    auto a = sign_jwt({{"kid", "ABC123DEFG"}}, {{"iss", "TEAM123456"}, {"iat", 1700000000}}, *key);
    auto b = sign_jwt({{"kid", "ABC123DEFG"}}, {{"iss", "TEAM123456"}, {"iat", 1700000000}}, *key);
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(*a != *b);
    auto decoded = verify_jwt(*a, PublicKey::of(*key));
    REQUIRE(decoded.has_value());
    CHECK(decoded->header == nlohmann::json{{"alg", "ES256"}, {"kid", "ABC123DEFG"}, {"typ", "JWT"}});
    CHECK(decoded->claims == nlohmann::json{{"iss", "TEAM123456"}, {"iat", 1700000000}});
    const auto dot = a->rfind('.');
    auto jwt_raw = base64_decode(std::string_view(*a).substr(dot + 1));
    REQUIRE(jwt_raw.has_value());
    CHECK(jwt_raw->size() == 64);
    auto jwt_der = ecdsa_raw_to_der(*jwt_raw);
    REQUIRE(jwt_der.has_value());
    CHECK(openssl_verify(*key, std::string_view(*a).substr(0, dot), *jwt_der) == 0);
}

TEST_CASE("freshly generated keys (as Google and Apple issue them) sign what openssl verifies") {
    SUBCASE("RSA 2048, PKCS#8") {
        auto key = PrivateKey::from_pem(fresh_key_pem("-algorithm RSA -pkeyopt rsa_keygen_bits:2048"), "rsa", KeyKind::rsa);
        REQUIRE(key.has_value());
        auto token = sign_jwt({{"kid", "k1"}}, {{"iss", "a@b.iam.gserviceaccount.com"}}, *key);
        REQUIRE(token.has_value());
        const auto dot = token->rfind('.');
        auto signature = base64_decode(std::string_view(*token).substr(dot + 1));
        REQUIRE(signature.has_value());
        CHECK(signature->size() == 256);
        CHECK(openssl_verify(*key, std::string_view(*token).substr(0, dot), *signature) == 0);
        auto decoded = verify_jwt(*token, PublicKey::of(*key));
        REQUIRE(decoded.has_value());
        CHECK(decoded->header == nlohmann::json{{"alg", "RS256"}, {"kid", "k1"}, {"typ", "JWT"}});
    }
    SUBCASE("EC P-256, PKCS#8 (.p8)") {
        auto key = PrivateKey::from_pem(fresh_key_pem("-algorithm EC -pkeyopt ec_paramgen_curve:P-256"), "p8",
                                        KeyKind::ec_p256);
        REQUIRE(key.has_value());
        for (int i = 0; i < 20; ++i) {  // r or s with a leading zero byte is padded, not shortened
            auto der = sign_sha256(*key, "message " + std::to_string(i));
            REQUIRE(der.has_value());
            auto raw = ecdsa_der_to_raw(*der);
            REQUIRE(raw.has_value());
            CHECK(raw->size() == 64);
            auto again = ecdsa_raw_to_der(*raw);
            REQUIRE(again.has_value());
            CHECK(*again == *der);
            CHECK(openssl_verify(*key, "message " + std::to_string(i), *der) == 0);
        }
    }
}

TEST_CASE("verify_jwt refuses a token whose alg is not the key's") {
    auto ec = PrivateKey::from_pem(read_data("rfc7515_a3_ec.pem"), "ec");
    auto rsa = PrivateKey::from_pem(read_data("rfc7515_a2_rsa.pem"), "rsa");
    REQUIRE(ec.has_value());
    REQUIRE(rsa.has_value());
    auto rs = sign_jwt({}, {{"iss", "x"}}, *rsa);
    REQUIRE(rs.has_value());
    auto refused = verify_jwt(*rs, PublicKey::of(*ec));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message == "JWT alg is \"RS256\", expected ES256");
    // alg "none" with an empty signature
    const std::string none = b64url(R"({"alg":"none"})") + "." + b64url(R"({"iss":"x"})") + ".";
    CHECK_FALSE(verify_jwt(none, PublicKey::of(*rsa)).has_value());
    // an HS256 token signed with the public key's PEM text (the classic confusion)
    const std::string hs = sign_jwt_hs256({{"iss", "x"}}, rsa->public_pem());
    CHECK_FALSE(verify_jwt(hs, PublicKey::of(*rsa)).has_value());
}

TEST_CASE("ecdsa_der_to_raw / raw_to_der: malformed input is bad_input") {
    CHECK(ecdsa_der_to_raw("").error().code == ExitCode::bad_input);
    CHECK(ecdsa_der_to_raw("\x30\x03\x02\x01").error().code == ExitCode::bad_input);                // truncated
    CHECK(ecdsa_der_to_raw(std::string("\x30\x06\x02\x01\x01\x02\x01\x01\x00", 9)).error().code == ExitCode::bad_input);  // trailing byte
    // non-minimal integer (leading zero before a byte < 0x80): not strict DER
    CHECK(ecdsa_der_to_raw(std::string("\x30\x07\x02\x02\x00\x01\x02\x01\x01", 9)).error().code == ExitCode::bad_input);
    // an r of 33 significant bytes does not fit P-256
    std::string big(41, '\x7f');
    big.replace(0, 5, "\x30\x26\x02\x21\x01");
    big.replace(38, 3, "\x02\x01\x01");
    CHECK(ecdsa_der_to_raw(big).error().code == ExitCode::bad_input);
    // a small valid one pads both halves
    auto padded = ecdsa_der_to_raw(std::string("\x30\x06\x02\x01\x05\x02\x01\x07", 8));
    REQUIRE(padded.has_value());
    std::string expected(64, '\0');
    expected[31] = '\x05';
    expected[63] = '\x07';
    CHECK(*padded == expected);
    CHECK(ecdsa_raw_to_der("").error().code == ExitCode::bad_input);
    CHECK(ecdsa_raw_to_der(std::string(63, 'x')).error().code == ExitCode::bad_input);
}

TEST_CASE("private keys that must be refused, with exact messages and no key material") {
    const std::string rsa_pem = read_data("rfc7515_a2_rsa.pem");
    const std::string ec_pem = read_data("rfc7515_a3_ec.pem");
    auto message = [](std::string_view pem, std::optional<KeyKind> kind = std::nullopt) {
        auto key = kind ? PrivateKey::from_pem(pem, "key.pem", *kind) : PrivateKey::from_pem(pem, "key.pem");
        REQUIRE_FALSE(key.has_value());
        CHECK(key.error().code == ExitCode::bad_input);
        return key.error().message;
    };
    CHECK(message("") == "key.pem: not a PEM private key (no -----BEGIN PRIVATE KEY----- line)");
    CHECK(message("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC") == "key.pem: not a PEM private key (no -----BEGIN PRIVATE KEY----- line)");
    auto key = PrivateKey::from_pem(ec_pem, "k");
    REQUIRE(key.has_value());
    CHECK(message(key->public_pem()) == "key.pem: holds a PEM PUBLIC KEY, not a private key");
    CHECK(message("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n") ==
          "key.pem: holds a PEM CERTIFICATE, not a private key");
    CHECK(message("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n") ==
          "key.pem: the private key is encrypted; callctl needs it unencrypted (openssl pkcs8 -topk8 -nocrypt)");
    // truncated: the body cut in half
    const std::string truncated = rsa_pem.substr(0, rsa_pem.size() / 2) + "\n-----END PRIVATE KEY-----\n";
    const std::string damaged_message = message(truncated);
    CHECK(damaged_message == "key.pem: the PEM private key could not be decoded (damaged or truncated)");
    CHECK(message(ec_pem, KeyKind::rsa) == "key.pem: is an EC P-256 key; RS256 needs RSA");
    CHECK(message(rsa_pem, KeyKind::ec_p256) == "key.pem: is an RSA key; ES256 needs EC P-256");
    CHECK(message(fresh_key_pem("-algorithm EC -pkeyopt ec_paramgen_curve:P-384")) ==
          "key.pem: EC key on curve secp384r1; ES256 needs P-256 (prime256v1)");
    CHECK(message(fresh_key_pem("-algorithm RSA -pkeyopt rsa_keygen_bits:1024")) ==
          "key.pem: RSA key of 1024 bits is too short for RS256 (2048 or more)");
    CHECK(message(fresh_key_pem("-algorithm ED25519")) ==
          "key.pem: ED25519 keys are not supported (RSA for RS256, EC P-256 for ES256)");
    // No message ever quotes the PEM body.
    for (const auto& text : {damaged_message}) CHECK(text.find("MII") == std::string::npos);

    // PKCS#1 and SEC1 spellings are accepted too.
    testing::TempDir dir;
    write(dir / "k.pem", rsa_pem);
    REQUIRE(shell("openssl pkey -in '" + (dir / "k.pem").string() + "' -traditional -out '" + (dir / "t.pem").string() + "'") == 0);
    std::ifstream traditional(dir / "t.pem");
    std::stringstream text;
    text << traditional.rdbuf();
    CHECK(text.str().find("BEGIN RSA PRIVATE KEY") != std::string::npos);
    CHECK(PrivateKey::from_pem(text.str(), "t").has_value());
}

TEST_CASE("public keys from PEM") {
    auto key = PrivateKey::from_pem(read_data("rfc7515_a3_ec.pem"), "k");
    REQUIRE(key.has_value());
    auto pub = PublicKey::from_pem(key->public_pem(), "pub.pem");
    REQUIRE(pub.has_value());
    CHECK(pub->kind() == KeyKind::ec_p256);
    auto token = sign_jwt({}, {{"iss", "x"}}, *key);
    REQUIRE(token.has_value());
    CHECK(verify_jwt(*token, *pub).has_value());
    auto refused = PublicKey::from_pem(read_data("rfc7515_a3_ec.pem"), "pub.pem");
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message == "pub.pem: holds a PEM PRIVATE KEY, not a public key");
}
