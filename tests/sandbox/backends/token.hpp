// The DHS token endpoint (callctl(1), "token create", "e911" and WIRE
// FORMATS): GET /config, POST/DELETE /tokens and POST /e911ids. The tokens
// themselves live in the shared AccessTokens, where the protected backends
// check them. The fault plan picks which public server's shapes it answers
// in (errors: OAuth style, Node, restify, PHP; /config: info.scope_map or the
// older scope_names).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "backend.hpp"

namespace callctl::sandbox {

class TokenBackend final : public Backend {
public:
    explicit TokenBackend(Shared& shared) : tokens_(shared.tokens) {}

    void install(Router& router) override;

    // `base` is the URL the request came in on: the URLs it lists are under it.
    nlohmann::json app_config(const std::string& base, const std::string& shape) const;
    Reply create_token(const nlohmann::json& body);
    Reply revoke_token(const nlohmann::json& body);
    Reply create_e911_id(const nlohmann::json& body) const;

private:
    std::int64_t next_subject();

    AccessTokens& tokens_;
    std::mutex mutex_;  // guards next_subject_
    std::int64_t next_subject_ = 1;
};

}  // namespace callctl::sandbox
