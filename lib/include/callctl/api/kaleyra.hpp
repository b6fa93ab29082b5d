// Kaleyra Video's REST API v2 (callctl(1), "kaleyra-token"): an SDK access
// token for one user, minted with the company API key, as an integrator's
// backend does before its app connects the Kaleyra SDK.
//   POST <kaleyra_url>/v2/sdk/credentials, header `apikey: <key>`,
//   {"user_id","expires_in"} (360..86400 s) -> {"access_token","expires_at","user_id"}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "callctl/api/session.hpp"
#include "callctl/config/settings.hpp"
#include "callctl/error.hpp"
#include "callctl/http/http.hpp"

namespace callctl::api {

inline constexpr std::int64_t kaleyra_min_expires_in = 360;    // 6 minutes
inline constexpr std::int64_t kaleyra_max_expires_in = 86400;  // 24 hours
inline constexpr std::int64_t kaleyra_default_expires_in = 3600;
// The environment variable that holds the key itself (and stands in for it in --dry-run output).
inline constexpr std::string_view kaleyra_api_key_env = "CALLCTL_KALEYRA_API_KEY";

// The company API key, and where it came from ("--kaleyra-key-file /path",
// "CALLCTL_KALEYRA_API_KEY"): the one lookup for every command that needs it
// (kaleyra-token sends it; webhook signatures are keyed with it). A command
// binds the option with add_setting_options(cmd, flags, {"kaleyra_api_key"}).
// None is exit 5 with a hint.
struct KaleyraApiKey {
    std::string value;
    std::string origin;
};
Result<KaleyraApiKey> kaleyra_api_key(const config::Settings& settings);

// A usage error outside 360..86400.
Status check_kaleyra_expires_in(std::int64_t seconds);

struct KaleyraTokenRequest {
    std::string user_id;
    std::int64_t expires_in = kaleyra_default_expires_in;
};

// The request; a user id that is empty or an expiry out of bounds is a usage
// error (nothing is sent). Never replayed unless surely unprocessed.
Result<http::Request> kaleyra_credentials_request(std::string_view kaleyra_url, const std::string& api_key,
                                                  const KaleyraTokenRequest& request);

// Sends it; returns the server's answer, checked to hold a string
// access_token. A refused key (401/403) is exit 5.
Result<nlohmann::json> kaleyra_sdk_credentials(Session& session, std::string_view kaleyra_url, const std::string& api_key,
                                               const KaleyraTokenRequest& request);

}  // namespace callctl::api
