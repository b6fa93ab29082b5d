#include "callctl/config/config_file.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "callctl/config/setting_table.hpp"
#include "callctl/config/settings.hpp"
#include "callctl/util/fs.hpp"
#include "callctl/util/json.hpp"
#include "callctl/util/strings.hpp"

namespace callctl::config {

using nlohmann::json;

std::string describe_json_error(const std::filesystem::path& path, std::string_view text, std::size_t byte_offset,
                                std::string_view message) {
    // nlohmann reports the byte after the offending one; count lines up to it.
    const std::size_t end = std::min(byte_offset, text.size());
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i + 1 < end; ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return fmt::format("{}:{}:{}: {}", path.string(), line, column, message);
}

namespace {

// nlohmann's messages start with "[json.exception.parse_error.101] parse error at line 1, column 2: ";
// keep only the part after the last ": " that names the problem.
std::string short_parse_message(const std::string& what) {
    const auto pos = what.find("syntax error");
    return pos == std::string::npos ? what : what.substr(pos);
}

}  // namespace

Result<ConfigFile> ConfigFile::load(const std::filesystem::path& path) {
    ConfigFile file;
    file.path_ = path;
    // Only a missing file is an empty one; a directory, a socket or a path
    // through a file is reported by the reader.
    struct stat info {};
    if (path.empty() || (::stat(path.c_str(), &info) != 0 && errno == ENOENT)) return file;
    auto text = util::read_file(path.string());
    if (!text) return text.error();
    return parse(*text, path);
}

Result<ConfigFile> ConfigFile::parse(std::string_view text, const std::filesystem::path& path) {
    ConfigFile file;
    file.path_ = path;
    file.exists_ = true;
    if (util::trim(text).empty()) return file;
    auto parsed = util::parse_json(text);
    if (!parsed) {
        const util::JsonError& e = parsed.error();
        if (e.problem == util::JsonProblem::syntax) {
            return make_error(ExitCode::bad_input,
                              "malformed config: " + describe_json_error(path, text, e.byte, short_parse_message(e.message)),
                              "fix the JSON at that position, or move the file aside to start afresh");
        }
        // Valid syntax nlohmann still refuses, e.g. 1e400 (out_of_range.406),
        // or nesting past the depth limit: bad input like any other.
        return make_error(ExitCode::bad_input, fmt::format("malformed config: {}: {}", path.string(), e.message),
                          "fix the value, or move the file aside to start afresh");
    }
    file.root_ = std::move(*parsed);
    if (!file.root_.is_object()) {
        return make_error(ExitCode::bad_input, fmt::format("malformed config: {}: expected a JSON object", path.string()));
    }
    if (file.root_.contains("profiles") && !file.root_["profiles"].is_object()) {
        return make_error(ExitCode::bad_input,
                          fmt::format("malformed config: {}: \"profiles\" must be an object", path.string()));
    }
    if (file.root_.contains("current_profile") && !file.root_["current_profile"].is_string()) {
        return make_error(ExitCode::bad_input,
                          fmt::format("malformed config: {}: \"current_profile\" must be a string", path.string()));
    }
    if (file.root_.contains("profiles")) {
        for (const auto& [name, profile] : file.root_["profiles"].items()) {
            if (!profile.is_object()) {
                return make_error(ExitCode::bad_input,
                                  fmt::format("malformed config: {}: profile \"{}\" must be an object", path.string(), name));
            }
        }
    }
    return file;
}

std::optional<std::string> ConfigFile::current_profile() const {
    if (root_.contains("current_profile")) return root_["current_profile"].get<std::string>();
    return std::nullopt;
}

void ConfigFile::set_current_profile(std::string_view name) {
    root_["current_profile"] = std::string(name);
    json& profile = root_["profiles"][std::string(name)];
    if (!profile.is_object()) profile = json::object();
}

std::vector<std::string> ConfigFile::profile_names() const {
    std::vector<std::string> names;
    if (root_.contains("profiles")) {
        for (const auto& [name, value] : root_["profiles"].items()) names.push_back(name);
    }
    return names;
}

bool ConfigFile::has_profile(std::string_view name) const {
    return root_.contains("profiles") && root_["profiles"].contains(std::string(name));
}

json ConfigFile::profile(std::string_view name) const {
    if (!has_profile(name)) return json::object();
    return root_["profiles"][std::string(name)];
}

Status ConfigFile::set(std::string_view profile, std::string_view key, std::string_view value) {
    json& target = root_["profiles"][std::string(profile)];
    if (!target.is_object()) target = json::object();

    if (util::starts_with(key, "graphql.")) {
        const std::string operation(key.substr(8));
        if (operation.empty()) return make_error(ExitCode::usage, "graphql key needs an operation name: graphql.<Operation>");
        std::string document(value);
        if (util::starts_with(value, "@")) {
            auto text = util::read_file(std::string(value.substr(1)));
            if (!text) return text.error();
            document = std::move(*text);
        }
        // A hand-edited "graphql" that is not an object is replaced, as a
        // non-object profile is above (operator[] on it would throw).
        json& documents = target["graphql"];
        if (!documents.is_object()) documents = json::object();
        documents[operation] = document;
        return {};
    }

    const SettingRow* row = find_setting(key);
    if (row == nullptr || !row->in_profile) {
        return make_error(ExitCode::usage, fmt::format("unknown profile key '{}'", key), "keys: " + profile_keys_text());
    }
    auto stored = profile_value(*row, value);
    if (!stored) return stored.error();
    target[std::string(key)] = std::move(*stored);
    return {};
}

bool ConfigFile::unset(std::string_view profile, std::string_view key) {
    if (!has_profile(profile)) return false;
    json& target = root_["profiles"][std::string(profile)];
    if (util::starts_with(key, "graphql.")) {
        if (!target.contains("graphql") || !target["graphql"].is_object()) return false;
        return target["graphql"].erase(std::string(key.substr(8))) > 0;
    }
    return target.erase(std::string(key)) > 0;
}

bool ConfigFile::remove_profile(std::string_view profile) {
    if (!has_profile(profile)) return false;
    root_["profiles"].erase(std::string(profile));
    if (current_profile() == profile) root_.erase("current_profile");
    return true;
}

Status ConfigFile::update(const std::filesystem::path& path, const Change& change) {
    if (path.empty()) return no_config_dir_error();  // HOME unset: no ./.config in the current directory
    auto lock = util::FileLock::exclusive(path);
    if (!lock) return lock.error();
    auto file = load(path);  // under the lock: no other writer between this read and our write
    if (!file) return file.error();
    auto changed = change(*file);
    if (!changed) return changed.error();
    if (!*changed) return {};
    util::remove_stale_temp_files(path);
    return file->save();
}

Status ConfigFile::save() const { return util::write_file_atomic(path_, root_.dump(2) + "\n", 0600); }

}  // namespace callctl::config
