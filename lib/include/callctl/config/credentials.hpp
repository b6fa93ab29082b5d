// credentials.json, beside config.json: what callctl stores per profile, in
// named slots, each credential with its expiry. Mode 0600, written atomically
// (temp file, fsync, rename); a malformed file is reported, never overwritten
// blindly. Several callctl processes may share it: every read-modify-write
// goes through CredentialStore::update(), which reads the file under an
// exclusive lock (util::FileLock, ".credentials.json.lock" beside it) and
// writes it before letting go; readers need none (a rename replaces the file
// whole).
//
// Layout (FILES in callctl(1)). The token endpoint's token sits in the
// profile's object itself, as callctl 0.1 wrote it, so files from 0.1 read
// unchanged and 0.1 still reads the token of newer files; every other slot is
// a key beside it:
//   {"profiles": {"default": {"access_token": "...", "refresh_token": "...", "expires_at": 1700000000, ...,
//                             "intercom": {"access_token": "...", "refresh_token": "...", "expires_at": ...},
//                             "fcm_oauth": {"sa@p.iam.gserviceaccount.com": {"access_token": "...", ...}}}}}
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/error.hpp"

namespace callctl::config {

// One stored credential. Every slot uses the same fields; those a slot has
// no use for stay empty.
struct StoredToken {
    std::string access_token;
    std::optional<std::string> refresh_token;
    std::optional<std::string> scope;       // wire spelling: MOBILE_NUMBER, "me", an OAuth scope
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

// Which credential of a profile.
struct CredentialSlot {
    // "token", "intercom", "fcm_oauth", ...: a new slot's name must not be a
    // field of StoredToken's JSON (access_token, scope, ...), beside which it is stored.
    std::string name;
    std::string key;   // for slots holding several: which one (fcm_oauth: the client_email); else ""

    static CredentialSlot token() { return {"token", {}}; }        // token create --save
    static CredentialSlot intercom() { return {"intercom", {}}; }  // login intercom
    static CredentialSlot fcm_oauth(std::string client_email) { return {"fcm_oauth", std::move(client_email)}; }

    std::string label() const;  // "token", "intercom", "fcm_oauth[sa@p.iam.gserviceaccount.com]"
    bool operator==(const CredentialSlot&) const = default;
};

class CredentialStore {
public:
    // A missing file is an empty store.
    static Result<CredentialStore> load(const std::filesystem::path& path);
    // The same for text already read (`path` names it in messages and is where save() writes).
    static Result<CredentialStore> parse(std::string_view text, const std::filesystem::path& path);

    // The read-modify-write every command uses: takes the exclusive lock
    // (waiting for another callctl at most `wait`), reads the file as it is now,
    // calls `change`, and when it returns true writes the result (0600,
    // atomic) before letting go of the lock. false writes nothing; an Error
    // from `change` is returned as is, nothing written. A missing file is not
    // created unless something is written. A write first removes the
    // temporary files a killed writer left (util::remove_stale_temp_files).
    using Change = std::function<Result<bool>(CredentialStore&)>;
    static Status update(const std::filesystem::path& path, const Change& change,
                         std::chrono::milliseconds wait = std::chrono::seconds(10));

    // A warning line when the file at `path` can be read by its group or
    // others (it holds tokens), else nothing.
    static std::optional<std::string> exposure_warning(const std::filesystem::path& path);

    const std::filesystem::path& path() const { return path_; }

    std::optional<StoredToken> get(std::string_view profile, const CredentialSlot& slot) const;
    void put(std::string_view profile, const CredentialSlot& slot, const StoredToken& token);
    // True when there was something to erase.
    bool erase(std::string_view profile, const CredentialSlot& slot);
    // Everything the profile holds, in every slot.
    bool erase_profile(std::string_view profile);
    // Every readable credential of the profile: the token slot first, then
    // the others by name and key.
    std::vector<std::pair<CredentialSlot, StoredToken>> list(std::string_view profile) const;

    // The token slot, as callctl 0.1 had it.
    std::optional<StoredToken> get(std::string_view profile) const { return get(profile, CredentialSlot::token()); }
    void put(std::string_view profile, const StoredToken& token) { put(profile, CredentialSlot::token(), token); }
    bool erase(std::string_view profile) { return erase(profile, CredentialSlot::token()); }

    // Atomic, mode 0600, whatever the umask, but without the lock: for a
    // store no other process writes (tests). Commands use update().
    Status save() const;

private:
    nlohmann::json* profile_object(std::string_view profile);
    const nlohmann::json* profile_object(std::string_view profile) const;

    std::filesystem::path path_;
    nlohmann::json root_ = nlohmann::json::object();
};

}  // namespace callctl::config
