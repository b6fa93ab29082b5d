// The token endpoint (callctl(1), token and WIRE FORMATS): scopes, the requests for creating,
// refreshing and revoking tokens and for the app configuration, and a
// description of a token for `token show`. Typed requests in, JSON out; the
// library never prints.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "callctl/api/session.hpp"
#include "callctl/config/credentials.hpp"
#include "callctl/config/settings.hpp"
#include "callctl/error.hpp"
#include "callctl/http/http.hpp"

namespace callctl::api {

// e911 is the fourth scope of the public developer servers (EMERGENCYSERVICES
// in their scope map): an app token made with client credentials alone.
enum class Scope { mobile_number, virtual_number, account_id, e911 };

// "mobile-number", "MOBILE_NUMBER", "Mobile_Number" -> mobile_number; "e911",
// "E911" -> e911. Anything else is a usage error naming the accepted values.
Result<Scope> parse_scope(std::string_view text);
std::string_view to_wire(Scope scope);     // "MOBILE_NUMBER", "E911" (what the server and the store hold)
std::string_view to_display(Scope scope);  // "mobile-number", "e911" (what the CLI accepts)
// Every scope the CLI accepts, in display form (for --help and completion).
inline constexpr std::string_view scope_names[] = {"mobile-number", "virtual-number", "account-id", "e911"};
// Only mobile-number users authenticate with an OAuth consent code.
constexpr bool needs_auth_code(Scope scope) { return scope == Scope::mobile_number; }

// Environment names that stand in for secrets in --dry-run output.
inline constexpr std::string_view access_token_env = "CALLCTL_TOKEN";
inline constexpr std::string_view refresh_token_env = "CALLCTL_REFRESH_TOKEN";
inline constexpr std::string_view auth_code_env = "CALLCTL_AUTH_CODE";

struct CreateTokenRequest {
    Scope scope = Scope::virtual_number;
    std::optional<std::string> auth_code;  // required for mobile-number, refused otherwise
};

// POST <base>/tokens {"app_scope":..., "auth_code":...}. A mobile-number
// request without a code, or a code for another scope, is a usage error.
Result<http::Request> create_token_request(std::string_view base_url, const CreateTokenRequest& request);
// POST <base>/tokens {"refresh_token": ...}
http::Request refresh_token_request(std::string_view base_url, const std::string& refresh_token);
// DELETE <base>/tokens {"token": ...} (a JSON body on DELETE, as the seed does)
http::Request revoke_token_request(std::string_view base_url, const std::string& access_token);
// GET <base>/config
http::Request app_config_request(std::string_view base_url);

// The same, sent through a session; each returns the server's JSON answer.
Result<nlohmann::json> create_token(Session& session, const CreateTokenRequest& request);
Result<nlohmann::json> refresh_token(Session& session, const std::string& refresh_token);
Result<nlohmann::json> revoke_token(Session& session, const std::string& access_token);
Result<nlohmann::json> app_config(Session& session);

// A secret shortened for display: "eyJhbG…(redacted)"; short values are "***".
std::string redacted_secret(std::string_view secret);
// The token response with access_token and refresh_token replaced by
// redacted_secret(), for showing to a person.
nlohmann::json redact_token_response(nlohmann::json response);

// What `token show` reports: where the token came from, scope, expiry and
// time left, and (for a JWT) its header and claims marked "verified": false.
// `stored` is the credential-store entry when the token came from there.
struct TokenOrigin {
    std::string value;
    std::string source;  // "flag", "file", "environment" or "store"
    std::string origin;  // "--token", "--token-file /x", "CALLCTL_TOKEN", "<credentials.json> [profile]"
};
TokenOrigin origin_of(const config::Settings& settings);  // explicit token (settings.token set)
nlohmann::json describe_token(const TokenOrigin& token, const std::optional<config::StoredToken>& stored,
                              std::int64_t now_unix, bool reveal);

// "2024-05-01T12:00:00Z"; "1d 4h 2m" / "expired 3m ago".
std::string format_unix_time(std::int64_t unix_seconds);
std::string format_time_left(std::int64_t seconds);

std::int64_t unix_now();

}  // namespace callctl::api
