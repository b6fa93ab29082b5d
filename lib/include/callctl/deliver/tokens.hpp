// Where send-push's two credentials come from (callctl(1), "send-push" >
// "Credentials"): the FCM OAuth access token, obtained by exchanging an
// RS256 assertion at the service account's token_uri, and the APNs provider
// token, an ES256 JWT signed locally. Each is a TokenProvider for the engine.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "callctl/deliver/apns.hpp"
#include "callctl/deliver/fcm.hpp"
#include "callctl/deliver/keys.hpp"
#include "callctl/error.hpp"
#include "callctl/http/http.hpp"

namespace callctl::deliver {

using Note = std::function<void(std::string_view)>;  // -v remarks; may be empty
using UnixClock = std::function<std::int64_t()>;     // tests set the time

std::int64_t system_unix_now();

// POST token_uri once (Replay::unsafe: retried only when surely unprocessed)
// and the access token it answers. `client` must not be the one the pushes
// go through: the exchange may happen while their batch runs.
Result<AccessToken> exchange_service_account(const ServiceAccount& account, http::Client& client, std::int64_t now_unix);

}  // namespace callctl::deliver
