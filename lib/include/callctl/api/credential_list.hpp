// What `token show` says about every credential a profile stores, whatever
// its slot (the token endpoint's token, the intercom login, cached OAuth
// tokens of other backends): one JSON object each, values redacted unless
// asked for. Offline: nothing is sent, nothing verified.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/config/credentials.hpp"

namespace callctl::api {

// {"slot":"intercom","access_token":"…(redacted)","token_type","scope","refresh_token":"stored"|null,
//  "issued_by","client_id","username","obtained_at","expires_at","expires_in","expired"}: the
// fields a slot has no value for are null (issued_by, client_id, username: left out).
nlohmann::json describe_credential(const config::CredentialSlot& slot, const config::StoredToken& token,
                                   std::int64_t now_unix, bool reveal);
nlohmann::json describe_credentials(const std::vector<std::pair<config::CredentialSlot, config::StoredToken>>& stored,
                                    std::int64_t now_unix, bool reveal);

}  // namespace callctl::api
