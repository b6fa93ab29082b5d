#include "callctl/api/credential_list.hpp"

#include "callctl/api/token.hpp"
#include "callctl/crypto/jwt.hpp"
#include "callctl/util/time.hpp"

namespace callctl::api {

using nlohmann::json;

json describe_credential(const config::CredentialSlot& slot, const config::StoredToken& token, std::int64_t now, bool reveal) {
    json shown = {{"slot", slot.label()},
                  {"access_token", reveal ? token.access_token : redacted_secret(token.access_token)},
                  {"token_type", token.token_type},
                  {"scope", token.scope ? json(*token.scope) : json()},
                  {"refresh_token", token.refresh_token ? json(reveal ? *token.refresh_token : "stored") : json()}};
    if (token.token_url) shown["issued_by"] = *token.token_url;
    if (token.client_id) shown["client_id"] = *token.client_id;
    if (token.username) shown["username"] = *token.username;
    shown["obtained_at"] = token.obtained_at ? json(format_unix_time(*token.obtained_at)) : json();

    // No stored expiry: a JWT's own exp claim (unverified) is the next best word.
    std::optional<std::int64_t> expires_at = token.expires_at;
    if (!expires_at && crypto::looks_like_jwt(token.access_token)) {
        if (auto jwt = crypto::decode_jwt(token.access_token);
            jwt && jwt->claims.is_object() && jwt->claims.contains("exp") && jwt->claims["exp"].is_number()) {
            expires_at = util::json_seconds(jwt->claims["exp"]);
            shown["expiry_source"] = "jwt exp claim (not verified)";
        }
    }
    shown["expires_at"] = expires_at ? json(format_unix_time(*expires_at)) : json();
    shown["expires_in"] = expires_at ? json(util::seconds_between(now, *expires_at)) : json();
    shown["expired"] = expires_at ? json(*expires_at <= now) : json();
    return shown;
}

json describe_credentials(const std::vector<std::pair<config::CredentialSlot, config::StoredToken>>& stored, std::int64_t now,
                          bool reveal) {
    json list = json::array();
    for (const auto& [slot, token] : stored) list.push_back(describe_credential(slot, token, now, reveal));
    return list;
}

}  // namespace callctl::api
