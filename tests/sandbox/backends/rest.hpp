// The REST call API (callctl(1), "create-call" and "call-log"): POST /rtc/createCall and
// GET /rtc/getCallLogById behind the bearer check, and the admin routes that
// make, inspect and step calls (/_sandbox/calls...).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend.hpp"

namespace callctl::sandbox {

class RestBackend final : public Backend {
public:
    explicit RestBackend(Shared& shared) : tokens_(shared.tokens) {}

    void install(Router& router) override;
    // Called with each new call's log once createCall has made it (outside
    // the lock); register before the first request (the webhook sender does).
    void on_call_created(std::function<void(const nlohmann::json& log)> listener);

    Reply create_call(const nlohmann::json& body, const std::string& subject);
    Reply get_call(const std::string& call_id);  // answers, then advances one step
    // Admin
    Reply admin_get_call(const std::string& call_id);
    Reply admin_call_action(const std::string& call_id, const std::string& action);  // advance|freeze|unfreeze
    Reply admin_create_calls(const nlohmann::json& body);

private:
    struct Call {
        nlohmann::json log;
        std::vector<nlohmann::json> participants;  // who joins and leaves, in order
        std::size_t joined = 0;
        std::size_t left = 0;
        bool frozen = false;
        std::optional<long long> planned;  // Unix seconds
    };

    nlohmann::json new_call_log(const nlohmann::json& body, nlohmann::json creator);
    void advance(Call& call);
    nlohmann::json event(const std::string& type, const nlohmann::json& contact);

    const AccessTokens& tokens_;
    std::vector<std::function<void(const nlohmann::json&)>> created_listeners_;
    std::mutex mutex_;
    std::map<std::string, Call> calls_;  // by callId
    std::int64_t next_call_id_ = 1000;
    std::int64_t next_event_id_ = 5000;
};

}  // namespace callctl::sandbox
