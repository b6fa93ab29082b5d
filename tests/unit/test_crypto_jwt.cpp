#include <doctest/doctest.h>

#include "callctl/crypto/crypto.hpp"
#include "callctl/crypto/jwt.hpp"

using namespace callctl;
using namespace callctl::crypto;

namespace {
// RFC 7519 §3.1; its key is the RFC 7515 A.1 HMAC key.
constexpr std::string_view rfc7519_jwt =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view rfc7515_key_b64 =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
}  // namespace

TEST_CASE("decode_jwt: RFC 7519 §3.1 example") {
    CHECK(looks_like_jwt(rfc7519_jwt));
    auto jwt = decode_jwt(rfc7519_jwt);
    REQUIRE(jwt.has_value());
    CHECK(jwt->header == nlohmann::json{{"typ", "JWT"}, {"alg", "HS256"}});
    CHECK(jwt->claims["iss"] == "joe");
    CHECK(jwt->claims["exp"] == 1300819380);
    CHECK(jwt->claims["http://example.com/is_root"] == true);
    CHECK(jwt->claims.size() == 3);

    // and its signature verifies with the RFC 7515 key
    const auto dot = rfc7519_jwt.rfind('.');
    const auto key = base64_decode(rfc7515_key_b64);
    REQUIRE(key.has_value());
    CHECK(base64_encode(hmac_sha256(*key, rfc7519_jwt.substr(0, dot)), Base64Alphabet::url, false) ==
          rfc7519_jwt.substr(dot + 1));
}

TEST_CASE("decode_jwt: malformed tokens are bad_input and not echoed") {
    for (const char* bad : {"", "abc", "a.b", "a.b.c.d", "!!!.e30.x", "e30.bm90IGpzb24.x", "WzFd.e30.x"}) {
        const std::string token = bad;
        CAPTURE(token);
        auto r = decode_jwt(token);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == ExitCode::bad_input);
        CHECK(r.error().message.rfind("malformed JWT", 0) == 0);
        if (token.find("e30.") != 0) CHECK_FALSE(looks_like_jwt(token));  // only the header is checked there
    }
    CHECK(decode_jwt("e30.e30.").has_value());  // unsigned tokens still decode
}

TEST_CASE("sign_jwt_hs256 round trip") {
    const nlohmann::json claims = {{"sub", "tester"}, {"exp", 2000000000}, {"scope", "WEBRTC"}};
    const std::string token = sign_jwt_hs256(claims, "sandbox-secret");
    CHECK(token.find('=') == std::string::npos);
    auto jwt = decode_jwt(token);
    REQUIRE(jwt.has_value());
    CHECK(jwt->header == nlohmann::json{{"alg", "HS256"}, {"typ", "JWT"}});
    CHECK(jwt->claims == claims);
    const auto dot = token.rfind('.');
    const auto expected = hmac_sha256("sandbox-secret", std::string_view(token).substr(0, dot));
    CHECK(constant_time_equal(*base64_decode(token.substr(dot + 1)), expected));
    CHECK_FALSE(constant_time_equal(*base64_decode(token.substr(dot + 1)), hmac_sha256("other", token.substr(0, dot))));
}
