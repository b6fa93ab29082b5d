// The intercom GraphQL backend (callctl(1), "answer"): POST /graphql behind
// the bearer check, and the intercom devices it acts on (GET /_sandbox/devices).
// The push generator (push.hpp) rings and stops the same devices.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend.hpp"

namespace callctl::sandbox {

class IntercomBackend final : public Backend {
public:
    explicit IntercomBackend(Shared& shared);

    void install(Router& router) override;

    // Executes a GraphQL request; pushes it triggers are appended to `pushes`.
    Reply graphql(const nlohmann::json& body, std::vector<SentPush>& pushes);
    nlohmann::json devices() const;

    // For the push generator: an incoming-call push rang `device_id` (which
    // exists from then on), or a stop push silenced it.
    void ring(const std::string& device_id, const std::string& call_id);
    void stop_ringing(const std::string& device_id);

private:
    struct Device {
        std::string name;
        std::map<std::string, std::string> state;
        std::string ringing_call_id;  // of the last incoming-call push
        int answered = 0;
    };
    Device& device_for_push(const std::string& id);

    const AccessTokens& tokens_;
    const IntercomLogins& logins_;
    mutable std::mutex mutex_;
    std::map<std::string, Device> devices_;  // by iotDeviceId
};

}  // namespace callctl::sandbox
