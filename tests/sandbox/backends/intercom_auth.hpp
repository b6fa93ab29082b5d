// The intercom backend's OAuth endpoint (callctl(1), "login intercom"):
// POST /oauth/token?type=login|exchange|token with the vendor app's JSON
// bodies, answered the way Doorkeeper (the Rails OAuth provider) answers, and
// admin routes under /_sandbox/intercom/ that expire or revoke what it issued.
// The tokens live in the shared IntercomLogins, where the GraphQL backend
// checks them.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend.hpp"

namespace callctl::sandbox {

class IntercomAuthBackend final : public Backend {
public:
    explicit IntercomAuthBackend(Shared& shared) : tokens_(shared.tokens), logins_(shared.intercom_logins) {}

    void add_options(CLI::App& app) override;
    Status start() override;
    void install(Router& router) override;

    // `type` is the query's ?type=.
    Reply token(const std::string& type, const nlohmann::json& body);

private:
    Reply login(const nlohmann::json& body);
    Reply exchange(const nlohmann::json& body);
    Reply external(const nlohmann::json& body);
    Reply admin_settings(const nlohmann::json& body);
    Reply admin_users(const nlohmann::json& body);

    const AccessTokens& tokens_;
    IntercomLogins& logins_;

    // From the command line, then the admin routes.
    std::string client_id_ = "callctl-sandbox-client";
    std::vector<std::string> user_specs_;  // --intercom-user USER:PASSWORD
    long long ttl_seconds_ = 604800;

    std::mutex mutex_;                             // guards users_
    std::map<std::string, std::string> users_;     // username -> password
};

}  // namespace callctl::sandbox
