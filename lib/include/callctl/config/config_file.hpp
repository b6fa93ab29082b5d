// config.json: named profiles, so nobody edits JSON by hand (`callctl profile`).
//
//   {"current_profile": "default",
//    "profiles": {"default": {"token_url": "...", "rest_url": "...",
//                             "graphql_url": "...", "output": "table",
//                             "timeout": 30, "connect_timeout": 10, "retries": 2,
//                             "cacert": "/path/ca.pem",
//                             "graphql": {"AnswerIncomingCall": "mutation ..."}}}}
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/error.hpp"

namespace callctl::config {

class ConfigFile {
public:
    // A missing file is an empty config; a malformed one is bad_input naming
    // the file, line and column.
    static Result<ConfigFile> load(const std::filesystem::path& path);
    // The same for text already read (`path` only names it in messages); the
    // fuzz target and tests use this to skip the file system.
    static Result<ConfigFile> parse(std::string_view text, const std::filesystem::path& path);

    const std::filesystem::path& path() const { return path_; }
    bool exists() const { return exists_; }

    std::optional<std::string> current_profile() const;
    void set_current_profile(std::string_view name);

    std::vector<std::string> profile_names() const;
    bool has_profile(std::string_view name) const;
    // The profile's object ({} when absent).
    nlohmann::json profile(std::string_view name) const;

    // Validates key and value with the settings table's validator, the one
    // resolve() applies (setting_table.hpp); "graphql.<Operation>" sets a
    // GraphQL document ("@FILE" reads it).
    Status set(std::string_view profile, std::string_view key, std::string_view value);
    // Removes a key, whatever its value (that is how a bad one is repaired).
    // False when the profile does not have it.
    bool unset(std::string_view profile, std::string_view key);
    bool remove_profile(std::string_view profile);

    // The read-modify-write every change of the file goes through, as
    // CredentialStore::update() does for credentials.json: under an exclusive
    // lock (".config.json.lock" beside it, waiting at most 10 s) the file is
    // read as it is now, `change` applied, and when it returns true the file
    // is written (atomically, through a symlink to its target) before the lock
    // goes. false writes nothing; an Error is returned as is.
    using Change = std::function<Result<bool>(ConfigFile&)>;
    static Status update(const std::filesystem::path& path, const Change& change);

    // Atomic write (temp + rename), without the lock: update() is the way.
    Status save() const;

private:
    std::filesystem::path path_;
    bool exists_ = false;
    nlohmann::json root_ = nlohmann::json::object();
};

// Text of a JSON parse error as "FILE:LINE:COLUMN: message".
std::string describe_json_error(const std::filesystem::path& path, std::string_view text, std::size_t byte_offset,
                                std::string_view message);

}  // namespace callctl::config
