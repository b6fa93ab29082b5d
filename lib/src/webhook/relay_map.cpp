// listen --relay's map and callees: see callctl/webhook/relay_map.hpp.
#include "callctl/webhook/relay_map.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "callctl/util/strings.hpp"
#include "push/push_internal.hpp"

namespace callctl::webhook {

namespace {

using push::Json;

Error bad_map(std::string_view origin, const std::string& why) {
    return make_error(ExitCode::bad_input, fmt::format("{}: {}", origin, why),
                      "a relay map is {\"<user id>\":[{\"platform\":\"fcm|apns\",\"token\":\"...\"}]}");
}

bool usable_token(std::string_view token) {
    return !token.empty() &&
           std::none_of(token.begin(), token.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

void add_once(std::vector<std::string>& out, const std::string& id) {
    if (!id.empty() && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
}

}  // namespace

Result<RelayMap> parse_relay_map(std::string_view text, std::string_view origin) {
    auto parsed = push::detail::parse_json(text, origin);
    if (!parsed) return parsed.error();
    if (!parsed->is_object()) return bad_map(origin, "the relay map is not a JSON object");
    RelayMap map;
    for (const auto& [user, devices] : parsed->items()) {
        if (user.empty()) return bad_map(origin, "a user id is empty");
        if (!devices.is_array()) return bad_map(origin, fmt::format("user '{}': the devices are not an array", user));
        std::vector<RelayDevice>& listed = map[user];
        std::size_t index = 0;
        for (const auto& device : devices) {
            const std::string at = fmt::format("user '{}' device {}", user, index++);
            if (!device.is_object()) return bad_map(origin, at + " is not an object");
            for (const auto& [key, value] : device.items()) {
                if (key != "platform" && key != "token") return bad_map(origin, fmt::format("{}: unknown key '{}'", at, key));
            }
            const std::string* platform = push::detail::string_member(device, "platform");
            const std::string* token = push::detail::string_member(device, "token");
            if (platform == nullptr || token == nullptr) return bad_map(origin, at + " needs string \"platform\" and \"token\"");
            const std::string name = util::to_lower(*platform);
            if (name != "fcm" && name != "apns") {
                return bad_map(origin, fmt::format("{}: platform must be fcm or apns, got '{}'", at, *platform));
            }
            if (!usable_token(*token)) return bad_map(origin, at + ": the token is empty or has spaces or control characters");
            RelayDevice entry{name, *token};
            const bool seen = std::any_of(listed.begin(), listed.end(), [&](const RelayDevice& d) {
                return d.platform == entry.platform && d.token == entry.token;
            });
            if (!seen) listed.push_back(std::move(entry));
        }
    }
    return map;
}

std::vector<std::string> callees_of(const Json& body, push::Vendor vendor) {
    std::vector<std::string> callees;
    if (!body.is_object()) return callees;
    if (vendor == push::Vendor::webex) {
        const std::string* created_by = push::detail::string_member(body, "createdBy");
        const std::string* actor = push::detail::string_member(body, "actorId");
        if (created_by != nullptr && !created_by->empty()) {
            add_once(callees, *created_by);
        } else if (actor != nullptr) {
            add_once(callees, *actor);
        }
        return callees;
    }
    if (vendor != push::Vendor::kaleyra) return callees;
    const auto data = body.find("data");
    if (data == body.end() || !data->is_object()) return callees;
    const std::string* initiator = push::detail::string_member(*data, "initiator");
    const auto users = data->find("users");
    if (users == data->end() || !users->is_array()) return callees;
    for (const auto& entry : *users) {
        if (!entry.is_object()) continue;
        const auto user = entry.find("user");
        if (user == entry.end() || !user->is_object()) continue;
        const std::string* alias = push::detail::string_member(*user, "userAlias");
        if (alias == nullptr || (initiator != nullptr && *alias == *initiator)) continue;
        add_once(callees, *alias);
    }
    return callees;
}

std::vector<RelayTarget> relay_targets(const RelayMap& map, const std::vector<std::string>& callees) {
    std::vector<RelayTarget> targets;
    for (const auto& user : callees) {
        const auto found = map.find(user);
        if (found == map.end()) continue;
        for (const auto& device : found->second) targets.push_back({user, device});
    }
    return targets;
}

}  // namespace callctl::webhook
