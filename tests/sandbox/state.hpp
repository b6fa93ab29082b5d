// The sandbox's memory: issued tokens, calls, intercom devices and the push
// key, and the rules of each backend (protocols.md §1-4). HTTP plumbing lives
// in routes.cpp; everything here takes parsed JSON and returns a Reply.
// One mutex guards it all: the sandbox is a test double, not a benchmark
// subject, and a single lock keeps every transition easy to reason about.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace callctl::sandbox {

struct Reply {
    Reply() = default;
    Reply(int status_code, nlohmann::json json_body, std::vector<std::pair<std::string, std::string>> extra_headers = {})
        : status(status_code), body(std::move(json_body)), headers(std::move(extra_headers)) {}

    int status = 200;
    nlohmann::json body = nlohmann::json::object();
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<std::string> text;  // a text/plain answer instead of `body`
};

// A push the backend "sent" to phones: routes.cpp writes it to the request log.
struct SentPush {
    std::string type;  // "Call.StopIncoming"
    nlohmann::json payload;
};

struct StateConfig {
    std::string jwt_secret;
    long long token_ttl_seconds = 172800;
    std::string push_key;  // 32 raw bytes
};

class State {
public:
    explicit State(StateConfig config);

    // ---- token endpoint (§1). `base` is the URL the request came in on.
    nlohmann::json app_config(const std::string& base) const;
    Reply create_token(const nlohmann::json& body);
    Reply revoke_token(const nlohmann::json& body);
    Reply create_e911_id(const nlohmann::json& body);

    // Bearer check for /rtc and /graphql: nullopt when the token is good, else
    // the 401 to answer. On success `subject` is the token's "sub".
    std::optional<Reply> check_bearer(const std::string& authorization_header, std::string* subject = nullptr);

    // ---- REST call API (§2)
    Reply create_call(const nlohmann::json& body, const std::string& subject);
    Reply get_call(const std::string& call_id);  // answers, then advances one step
    // Admin
    Reply admin_get_call(const std::string& call_id);
    Reply admin_call_action(const std::string& call_id, const std::string& action);  // advance|freeze|unfreeze
    Reply admin_create_calls(const nlohmann::json& body);

    // ---- intercom GraphQL (§3); pushes it triggers are appended to `pushes`
    Reply graphql(const nlohmann::json& body, std::vector<SentPush>& pushes);
    nlohmann::json devices() const;

    // ---- pushes (§4)
    Reply incoming_push(const nlohmann::json& body);
    Reply stop_push(const nlohmann::json& body);
    const std::string& push_key() const { return config_.push_key; }

private:
    struct Token {
        std::string access;
        std::string refresh;
        std::string scope;
        std::string subject;
        long long issued_at = 0;
        long long expires_at = 0;
        bool revoked = false;
    };
    struct Call {
        nlohmann::json log;
        std::vector<nlohmann::json> participants;  // who joins and leaves, in order
        std::size_t joined = 0;
        std::size_t left = 0;
        bool frozen = false;
        std::optional<long long> planned;  // Unix seconds
    };
    struct Device {
        std::string name;
        std::map<std::string, std::string> state;
        std::string ringing_call_id;  // of the last incoming-call push
        int answered = 0;
    };

    Reply issue_token(const std::string& scope, const std::string& subject);
    nlohmann::json new_call_log(const nlohmann::json& body, nlohmann::json creator);
    void advance(Call& call);
    nlohmann::json event(const std::string& type, const nlohmann::json& contact);
    Device& device_for_push(const std::string& id);
    nlohmann::json wrap_push(const nlohmann::json& data, const std::string& wrap) const;

    StateConfig config_;
    mutable std::mutex mutex_;
    std::map<std::string, Token> tokens_;              // by access token
    std::map<std::string, std::string> refresh_;       // refresh token -> access token
    std::map<std::string, Call> calls_;                // by callId
    std::map<std::string, Device> devices_;            // by iotDeviceId
    std::int64_t next_call_id_ = 1000;
    std::int64_t next_event_id_ = 5000;
    std::int64_t next_subject_ = 1;
};

}  // namespace callctl::sandbox
