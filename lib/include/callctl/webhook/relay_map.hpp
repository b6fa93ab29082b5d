// The pure half of `listen --relay MAP.json` (callctl(1), "listen"): who an
// incoming-call webhook rings, and which devices MAP lists for them. Kaleyra's
// callees are the data.users (by user.userAlias) other than data.initiator;
// Webex's is createdBy, else actorId. MAP is {"<user id>":[{"platform":
// "fcm"|"apns","token":"…"}]}. Sending to those devices is send-push's code;
// this file only reads and looks up. Nothing here prints.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "callctl/error.hpp"
#include "callctl/push/push.hpp"

namespace callctl::webhook {

struct RelayDevice {
    std::string platform;  // "fcm" or "apns" (lower case)
    std::string token;     // no spaces or control characters
};
using RelayMap = std::map<std::string, std::vector<RelayDevice>>;  // by user id

// MAP.json's text. Bad input (3), naming `origin` and the user: not a JSON
// object, a user whose value is not an array, a device that is not
// {"platform","token"} with a known platform (any case) and a usable token.
Result<RelayMap> parse_relay_map(std::string_view text, std::string_view origin);

// The callees of an incoming-call webhook body of `vendor`, in the body's
// order, each once; none for a body of another shape.
std::vector<std::string> callees_of(const push::Json& body, push::Vendor vendor);

// A callee's devices, each once, in the order MAP lists them; a user MAP
// does not name has none.
struct RelayTarget {
    std::string user;
    RelayDevice device;
};
std::vector<RelayTarget> relay_targets(const RelayMap& map, const std::vector<std::string>& callees);

}  // namespace callctl::webhook
