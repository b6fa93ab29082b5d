// JSON Web Tokens (RFC 7519), decoded for display. Decoding does NOT verify
// the signature: callers must say "not verified" wherever they show claims.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "callctl/error.hpp"

namespace callctl::crypto {

bool looks_like_jwt(std::string_view token);  // three base64url parts, JSON header

struct DecodedJwt {
    nlohmann::json header;
    nlohmann::json claims;
};
Result<DecodedJwt> decode_jwt(std::string_view token);  // bad_input when malformed

// An HS256-signed token (the sandbox issues these so `token show` has claims
// to decode).
std::string sign_jwt_hs256(const nlohmann::json& claims, std::string_view secret);

}  // namespace callctl::crypto
