// The intercom push generator (callctl(1), WIRE FORMATS): the admin routes
// that make the pushes the intercom backend would send to phones, sealed
// with the push key (--push-key-file, random by default).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "backend.hpp"

namespace callctl::sandbox {

class IntercomBackend;

class PushBackend final : public Backend {
public:
    PushBackend(Shared& shared, IntercomBackend& intercom) : token_settings_(shared.token_settings), intercom_(intercom) {}

    void add_options(CLI::App& app) override;
    Status start() override;  // loads the push key
    void install(Router& router) override;

    Reply incoming_push(const nlohmann::json& body);
    Reply stop_push(const nlohmann::json& body);
    const std::string& push_key() const { return push_key_; }

private:
    const TokenSettings& token_settings_;  // the Jitsi token is signed with the sandbox's JWT secret
    IntercomBackend& intercom_;
    std::string push_key_file_;
    std::string push_key_;  // 32 raw bytes, fixed by start()
};

}  // namespace callctl::sandbox
