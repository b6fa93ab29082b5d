#include "callctl/config/credentials.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "callctl/config/config_file.hpp"
#include "callctl/config/settings.hpp"
#include "callctl/util/fs.hpp"
#include "callctl/util/json.hpp"
#include "callctl/util/strings.hpp"

namespace callctl::config {

using nlohmann::json;

json to_json(const StoredToken& token) {
    json object = {{"access_token", token.access_token}, {"token_type", token.token_type}};
    if (token.refresh_token) object["refresh_token"] = *token.refresh_token;
    if (token.scope) object["scope"] = *token.scope;
    if (token.expires_at) object["expires_at"] = *token.expires_at;
    if (token.obtained_at) object["obtained_at"] = *token.obtained_at;
    if (token.token_url) object["token_url"] = *token.token_url;
    if (token.client_id) object["client_id"] = *token.client_id;
    if (token.username) object["username"] = *token.username;
    return object;
}

Result<StoredToken> stored_token_from_json(const json& object) {
    if (!object.is_object() || !object.contains("access_token") || !object["access_token"].is_string()) {
        return make_error(ExitCode::bad_input, "stored credentials lack an access_token");
    }
    StoredToken token;
    token.access_token = object["access_token"].get<std::string>();
    auto optional_string = [&](const char* key) -> std::optional<std::string> {
        if (object.contains(key) && object[key].is_string()) return object[key].get<std::string>();
        return std::nullopt;
    };
    auto optional_int = [&](const char* key) -> std::optional<std::int64_t> {
        if (!object.contains(key)) return std::nullopt;
        const json& value = object[key];
        if (value.is_number_integer()) return value.get<std::int64_t>();
        // A hand-edited 1e300 must not reach a float-to-integer conversion
        // (undefined behaviour out of range): only finite, in-range floats.
        if (value.is_number_float()) {
            const double number = value.get<double>();
            if (std::isfinite(number) && std::fabs(number) < 9.0e18) return static_cast<std::int64_t>(number);
        }
        return std::nullopt;
    };
    token.refresh_token = optional_string("refresh_token");
    token.scope = optional_string("scope");
    token.token_type = optional_string("token_type").value_or("bearer");
    token.expires_at = optional_int("expires_at");
    token.obtained_at = optional_int("obtained_at");
    token.token_url = optional_string("token_url");
    token.client_id = optional_string("client_id");
    token.username = optional_string("username");
    return token;
}

Result<CredentialStore> CredentialStore::load(const std::filesystem::path& path) {
    CredentialStore store;
    store.path_ = path;
    // Only a missing file is an empty one; a directory, a socket or a path
    // through a file is reported by the reader.
    struct stat info {};
    if (path.empty() || (::stat(path.c_str(), &info) != 0 && errno == ENOENT)) return store;
    auto text = util::read_file(path.string());
    if (!text) return text.error();
    return parse(*text, path);
}

Result<CredentialStore> CredentialStore::parse(std::string_view text, const std::filesystem::path& path) {
    CredentialStore store;
    store.path_ = path;
    if (util::trim(text).empty()) return store;
    auto parsed = util::parse_json(text);
    if (!parsed) {
        const util::JsonError& e = parsed.error();
        // nlohmann's message is not quoted: it could echo part of a token.
        const std::string why = e.problem == util::JsonProblem::syntax
                                    ? describe_json_error(path, text, e.byte, "not valid JSON")
                                    : fmt::format("{}: {}", path.string(),
                                                  e.problem == util::JsonProblem::too_deep ? util::too_deep_text()
                                                                                          : "a value is out of range");
        return make_error(ExitCode::bad_input, "malformed credentials: " + why,
                          fmt::format("remove {} and log in again with `callctl token create --save`", path.string()));
    }
    store.root_ = std::move(*parsed);
    if (!store.root_.is_object() || (store.root_.contains("profiles") && !store.root_["profiles"].is_object())) {
        return make_error(ExitCode::bad_input, fmt::format("malformed credentials: {}: unexpected layout", path.string()));
    }
    return store;
}

namespace {

// The keys to_json writes for a token: in the token slot they sit in the
// profile's object itself, beside the other slots.
constexpr std::array<const char*, 7> kTokenKeys = {"access_token", "token_type",  "refresh_token", "scope",
                                                   "expires_at",   "obtained_at", "token_url"};

bool is_token_key(std::string_view key) {
    return std::find(kTokenKeys.begin(), kTokenKeys.end(), key) != kTokenKeys.end();
}

bool is_top_level(const CredentialSlot& slot) { return slot.name == "token"; }

// An object that is a credential (rather than a slot's table of them).
bool looks_like_token(const json& value) {
    return value.is_object() && value.contains("access_token") && value["access_token"].is_string();
}

}  // namespace

std::string CredentialSlot::label() const { return key.empty() ? name : fmt::format("{}[{}]", name, key); }

const json* CredentialStore::profile_object(std::string_view profile) const {
    const auto profiles = root_.find("profiles");
    if (profiles == root_.end() || !profiles->is_object()) return nullptr;
    const auto it = profiles->find(std::string(profile));
    if (it == profiles->end() || !it->is_object()) return nullptr;
    return &*it;
}

json* CredentialStore::profile_object(std::string_view profile) {
    return const_cast<json*>(std::as_const(*this).profile_object(profile));
}

std::optional<StoredToken> CredentialStore::get(std::string_view profile, const CredentialSlot& slot) const {
    const json* object = profile_object(profile);
    if (object == nullptr) return std::nullopt;
    const json* value = object;
    if (!is_top_level(slot)) {
        const auto named = object->find(slot.name);
        if (named == object->end()) return std::nullopt;
        value = &*named;
        if (!slot.key.empty()) {
            if (!value->is_object()) return std::nullopt;
            const auto keyed = value->find(slot.key);
            if (keyed == value->end()) return std::nullopt;
            value = &*keyed;
        }
    }
    auto token = stored_token_from_json(*value);
    if (!token) return std::nullopt;
    return *token;
}

void CredentialStore::put(std::string_view profile, const CredentialSlot& slot, const StoredToken& token) {
    if (!root_["profiles"].is_object()) root_["profiles"] = json::object();
    json& object = root_["profiles"][std::string(profile)];
    if (!object.is_object()) object = json::object();
    if (is_top_level(slot)) {
        for (const char* key : kTokenKeys) object.erase(key);  // no field of the old token survives
        const json fields = to_json(token);
        for (const auto& [key, value] : fields.items()) object[key] = value;
        return;
    }
    if (slot.key.empty()) {
        object[slot.name] = to_json(token);
        return;
    }
    json& table = object[slot.name];
    if (!table.is_object() || looks_like_token(table)) table = json::object();
    table[slot.key] = to_json(token);
}

bool CredentialStore::erase(std::string_view profile, const CredentialSlot& slot) {
    json* object = profile_object(profile);
    if (object == nullptr) return false;
    bool erased = false;
    if (is_top_level(slot)) {
        erased = looks_like_token(*object);
        for (const char* key : kTokenKeys) object->erase(key);
    } else if (slot.key.empty()) {
        erased = object->erase(slot.name) > 0;
    } else if (auto table = object->find(slot.name); table != object->end() && table->is_object()) {
        erased = table->erase(slot.key) > 0;
        if (table->empty()) object->erase(table);
    }
    if (object->empty()) root_["profiles"].erase(std::string(profile));
    return erased;
}

bool CredentialStore::erase_profile(std::string_view profile) {
    if (!root_.contains("profiles") || !root_["profiles"].is_object()) return false;
    return root_["profiles"].erase(std::string(profile)) > 0;
}

std::vector<std::pair<CredentialSlot, StoredToken>> CredentialStore::list(std::string_view profile) const {
    std::vector<std::pair<CredentialSlot, StoredToken>> found;
    const json* object = profile_object(profile);
    if (object == nullptr) return found;
    if (auto token = get(profile, CredentialSlot::token())) found.emplace_back(CredentialSlot::token(), std::move(*token));
    for (const auto& [name, value] : object->items()) {  // nlohmann::json keeps keys sorted
        // "token" names the profile's own fields, read above; never a key.
        if (is_token_key(name) || name == "token" || !value.is_object()) continue;
        if (looks_like_token(value)) {
            if (auto token = stored_token_from_json(value)) found.emplace_back(CredentialSlot{name, {}}, std::move(*token));
            continue;
        }
        for (const auto& [key, entry] : value.items()) {
            if (!looks_like_token(entry)) continue;
            if (auto token = stored_token_from_json(entry)) found.emplace_back(CredentialSlot{name, key}, std::move(*token));
        }
    }
    return found;
}

Status CredentialStore::update(const std::filesystem::path& path, const Change& change, std::chrono::milliseconds wait) {
    if (path.empty()) return no_config_dir_error();  // HOME unset: no ./.config in the current directory
    auto lock = util::FileLock::exclusive(path, wait);
    if (!lock) return lock.error();
    auto store = load(path);  // under the lock: nobody writes between this read and our write
    if (!store) return store.error();
    auto changed = change(*store);
    if (!changed) return changed.error();
    if (!*changed) return {};
    util::remove_stale_temp_files(path);  // a killed writer's, holding full tokens
    return store->save();                 // the lock goes with `lock`, after the rename
}

std::optional<std::string> CredentialStore::exposure_warning(const std::filesystem::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode) || (info.st_mode & 077) == 0) return std::nullopt;
    return fmt::format("{} can be read by {} (mode {:04o}): it holds tokens; `chmod 600 {}`", path.string(),
                       (info.st_mode & 007) != 0 ? "others" : "its group", info.st_mode & 07777, path.string());
}

Status CredentialStore::save() const { return util::write_file_atomic(path_, root_.dump(2) + "\n", 0600); }

}  // namespace callctl::config
