#include "callctl/crypto/jwt.hpp"

#include <optional>
#include <type_traits>

#include "callctl/crypto/crypto.hpp"
#include "callctl/util/json.hpp"

namespace callctl::crypto {

namespace {

struct JwtParts {
    std::string_view header;
    std::string_view claims;
    std::string_view signature;
};

std::optional<JwtParts> split_jwt(std::string_view token) {
    const std::size_t first = token.find('.');
    if (first == std::string_view::npos) return std::nullopt;
    const std::size_t second = token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) return std::nullopt;
    return JwtParts{token.substr(0, first), token.substr(first + 1, second - first - 1), token.substr(second + 1)};
}

// Decodes one base64url part into a JSON object; `what` names the part in
// errors (the token itself is a credential and is never quoted).
template <class JsonType>
Result<JsonType> decode_part(std::string_view part, std::string_view what) {
    auto bytes = base64_decode(part);
    if (!bytes) return make_error(ExitCode::bad_input, "malformed JWT: " + std::string(what) + " is not base64url");
    auto value = [&] {
        if constexpr (std::is_same_v<JsonType, nlohmann::ordered_json>) {
            return util::parse_ordered_json(*bytes);
        } else {
            return util::parse_json(*bytes);
        }
    }();
    if (!value || !value->is_object()) {
        return make_error(ExitCode::bad_input, "malformed JWT: " + std::string(what) + " is not a JSON object");
    }
    return std::move(*value);
}

}  // namespace

bool looks_like_jwt(std::string_view token) {
    const auto parts = split_jwt(token);
    if (!parts || parts->header.empty() || parts->claims.empty()) return false;
    return decode_part<nlohmann::json>(parts->header, "header").has_value();
}

template <class Decoded, class JsonType>
Result<Decoded> decode_jwt_as(std::string_view token) {
    const auto parts = split_jwt(token);
    if (!parts) return make_error(ExitCode::bad_input, "malformed JWT: expected three dot-separated parts");
    auto header = decode_part<JsonType>(parts->header, "header");
    if (!header) return std::move(header).error();
    auto claims = decode_part<JsonType>(parts->claims, "claims");
    if (!claims) return std::move(claims).error();
    return Decoded{std::move(*header), std::move(*claims)};
}

Result<DecodedJwt> decode_jwt(std::string_view token) { return decode_jwt_as<DecodedJwt, nlohmann::json>(token); }

Result<OrderedJwt> decode_jwt_ordered(std::string_view token) {
    return decode_jwt_as<OrderedJwt, nlohmann::ordered_json>(token);
}

std::string sign_jwt_hs256(const nlohmann::json& claims, std::string_view secret) {
    const nlohmann::json header = {{"alg", "HS256"}, {"typ", "JWT"}};
    std::string signing_input = base64_encode(header.dump(), Base64Alphabet::url, false);
    signing_input += '.';
    signing_input += base64_encode(claims.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), Base64Alphabet::url, false);
    const std::string signature = hmac_sha256(secret, signing_input);
    return signing_input + '.' + base64_encode(signature, Base64Alphabet::url, false);
}

}  // namespace callctl::crypto
