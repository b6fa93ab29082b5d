// credentials.json, beside config.json: stored tokens per profile. Mode 0600,
// written atomically; a malformed file is reported, never overwritten blindly.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "callctl/error.hpp"

namespace callctl::config {

struct StoredToken {
    std::string access_token;
    std::optional<std::string> refresh_token;
    std::optional<std::string> scope;       // wire spelling: MOBILE_NUMBER, ...
    std::string token_type = "bearer";
    std::optional<std::int64_t> expires_at;   // unix seconds
    std::optional<std::int64_t> obtained_at;  // unix seconds
    std::optional<std::string> token_url;     // which endpoint issued it (and renews it)
    std::optional<std::string> client_id;     // the OAuth client it was issued to (intercom)
    std::optional<std::string> username;      // who logged in (intercom)

    bool expired(std::int64_t now_unix, std::int64_t leeway_seconds = 30) const {
        return expires_at && *expires_at <= now_unix + leeway_seconds;
    }
};

nlohmann::json to_json(const StoredToken& token);
Result<StoredToken> stored_token_from_json(const nlohmann::json& object);

class CredentialStore {
public:
    // A missing file is an empty store.
    static Result<CredentialStore> load(const std::filesystem::path& path);
    // The same for text already read (`path` names it in messages and is where save() writes).
    static Result<CredentialStore> parse(std::string_view text, const std::filesystem::path& path);

    const std::filesystem::path& path() const { return path_; }
    std::optional<StoredToken> get(std::string_view profile) const;
    void put(std::string_view profile, const StoredToken& token);
    bool erase(std::string_view profile);

    // Atomic, mode 0600, whatever the umask.
    Status save() const;

private:
    std::filesystem::path path_;
    nlohmann::json root_ = nlohmann::json::object();
};

}  // namespace callctl::config
