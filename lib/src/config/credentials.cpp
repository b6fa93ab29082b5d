#include "callctl/config/credentials.hpp"

#include <cmath>

#include <fmt/format.h>

#include "callctl/config/config_file.hpp"
#include "callctl/util/fs.hpp"
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
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return store;
    auto text = util::read_file(path.string());
    if (!text) return text.error();
    return parse(*text, path);
}

Result<CredentialStore> CredentialStore::parse(std::string_view text, const std::filesystem::path& path) {
    CredentialStore store;
    store.path_ = path;
    if (util::trim(text).empty()) return store;
    try {
        store.root_ = json::parse(text);
    } catch (const json::parse_error& e) {
        return make_error(ExitCode::bad_input,
                          "malformed credentials: " + describe_json_error(path, text, e.byte, "not valid JSON"),
                          fmt::format("remove {} and log in again with `callctl token create --save`", path.string()));
    } catch (const json::exception&) {
        // Valid syntax nlohmann still refuses (1e400: out_of_range.406). The
        // message is not quoted: it could echo part of a token.
        return make_error(ExitCode::bad_input,
                          fmt::format("malformed credentials: {}: a value is out of range", path.string()),
                          fmt::format("remove {} and log in again with `callctl token create --save`", path.string()));
    }
    if (!store.root_.is_object() || (store.root_.contains("profiles") && !store.root_["profiles"].is_object())) {
        return make_error(ExitCode::bad_input, fmt::format("malformed credentials: {}: unexpected layout", path.string()));
    }
    return store;
}

std::optional<StoredToken> CredentialStore::get(std::string_view profile) const {
    if (!root_.contains("profiles") || !root_["profiles"].contains(std::string(profile))) return std::nullopt;
    auto token = stored_token_from_json(root_["profiles"][std::string(profile)]);
    if (!token) return std::nullopt;
    return *token;
}

void CredentialStore::put(std::string_view profile, const StoredToken& token) {
    root_["profiles"][std::string(profile)] = to_json(token);
}

bool CredentialStore::erase(std::string_view profile) {
    if (!root_.contains("profiles")) return false;
    return root_["profiles"].erase(std::string(profile)) > 0;
}

Status CredentialStore::save() const { return util::write_file_atomic(path_, root_.dump(2) + "\n", 0600); }

}  // namespace callctl::config
