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

// The same, keeping members in the order the token has them (for display).
struct OrderedJwt {
    nlohmann::ordered_json header;
    nlohmann::ordered_json claims;
};
Result<OrderedJwt> decode_jwt_ordered(std::string_view token);

// An HS256-signed token (the sandbox issues these so `token show` has claims
// to decode).
std::string sign_jwt_hs256(const nlohmann::json& claims, std::string_view secret);

}  // namespace callctl::crypto
