// Kaleyra Video's REST API v2, the part callctl(1) uses ("kaleyra-token"):
// POST /v2/sdk/credentials (an SDK access token for one user) and
// GET /v2/users, both behind the company API key in the `apikey` header.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend.hpp"

namespace callctl::sandbox {

class KaleyraBackend final : public Backend {
public:
    explicit KaleyraBackend(Shared& shared) : token_settings_(shared.token_settings) {}

    void add_options(CLI::App& app) override;
    Status start() override;
    void install(Router& router) override;

    Reply sdk_credentials(const nlohmann::json& body) const;
    Reply users(const std::string& offset, const std::string& limit) const;

private:
    std::optional<Reply> check_api_key(const std::string& header) const;

    const TokenSettings& token_settings_;  // SDK tokens are HS256 JWTs signed with --jwt-secret
    std::string api_key_ = "ak_sandbox_callctl";
    std::vector<std::string> users_;       // --kaleyra-user, in order
};

}  // namespace callctl::sandbox
