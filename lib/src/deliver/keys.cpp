#include "callctl/deliver/keys.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "callctl/util/json.hpp"
#include "callctl/util/strings.hpp"

namespace callctl::deliver {

namespace {

constexpr std::string_view required_fields = "client_email, private_key, project_id and token_uri";

Error bad(std::string_view origin, std::string_view message, std::string hint = {}) {
    return make_error(ExitCode::bad_input, fmt::format("{}: {}", origin, message), std::move(hint));
}

// A required, non-empty string member.
Result<std::string> required_string(const nlohmann::json& root, std::string_view key, std::string_view origin) {
    const auto it = root.find(key);
    if (it == root.end()) {
        return bad(origin, fmt::format("missing \"{}\" (a service-account JSON has {})", key, required_fields),
                   "download a key from the Firebase console: Project settings > Service accounts > Generate new private key");
    }
    if (!it->is_string()) return bad(origin, fmt::format("\"{}\" must be a string, not {}", key, it->type_name()));
    if (it->get_ref<const std::string&>().empty()) return bad(origin, fmt::format("\"{}\" is empty", key));
    return it->get<std::string>();
}

bool is_apple_id_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

}  // namespace

Result<ServiceAccount> parse_service_account(std::string_view json_text, std::string_view origin) {
    auto parsed = util::parse_json(json_text);
    if (!parsed) {
        // Never the message: nlohmann quotes the input near the error (or the
        // number's text), and this input holds a private key.
        switch (parsed.error().problem) {
        case util::JsonProblem::syntax:
            return bad(origin, fmt::format("not a service-account JSON file (not JSON at byte {})", parsed.error().byte));
        case util::JsonProblem::unsupported:
            return bad(origin, "not a service-account JSON file (a number out of range)");
        case util::JsonProblem::too_deep:
            return bad(origin, fmt::format("not a service-account JSON file ({})", util::too_deep_text()));
        }
    }
    const nlohmann::json root = std::move(*parsed);
    if (!root.is_object()) return bad(origin, fmt::format("not a service-account JSON file (a JSON {}, not an object)", root.type_name()));
    if (const auto type = root.find("type"); type != root.end()) {
        if (!type->is_string() || *type != "service_account") {
            return bad(origin,
                       fmt::format("is a {} credential, not a service account (\"type\":\"service_account\")",
                                   type->is_string() ? type->get<std::string>() : type->dump()));
        }
    }
    auto client_email = required_string(root, "client_email", origin);
    if (!client_email) return std::move(client_email).error();
    auto private_key_text = required_string(root, "private_key", origin);
    if (!private_key_text) return std::move(private_key_text).error();
    auto project_id = required_string(root, "project_id", origin);
    if (!project_id) return std::move(project_id).error();
    auto token_uri = required_string(root, "token_uri", origin);
    if (!token_uri) return std::move(token_uri).error();
    const std::string scheme = util::to_lower(token_uri->substr(0, token_uri->find("://")));
    if (token_uri->find("://") == std::string::npos || (scheme != "https" && scheme != "http")) {
        return bad(origin, fmt::format("\"token_uri\" must be an http(s) URL, got \"{}\"", *token_uri));
    }
    std::string key_id;
    if (const auto kid = root.find("private_key_id"); kid != root.end()) {
        if (!kid->is_string()) return bad(origin, "\"private_key_id\" must be a string");
        key_id = kid->get<std::string>();
    }
    auto key = crypto::PrivateKey::from_pem(*private_key_text, fmt::format("{}: private_key", origin), crypto::KeyKind::rsa);
    if (!key) return std::move(key).error();
    return ServiceAccount{std::move(*client_email), std::move(key_id), std::move(*project_id), std::move(*token_uri),
                          std::move(*key)};
}

Result<crypto::PrivateKey> parse_apns_key(std::string_view p8_text, std::string_view origin) {
    return crypto::PrivateKey::from_pem(p8_text, origin, crypto::KeyKind::ec_p256);
}

Status check_apple_id(std::string_view value, std::string_view flag) {
    if (value.size() == 10 && std::all_of(value.begin(), value.end(), is_apple_id_char)) return {};
    std::string shown;
    for (const char c : value.substr(0, 40)) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
    return make_error(ExitCode::usage, fmt::format("{} must be 10 characters, A-Z and 0-9 (got \"{}\")", flag, shown),
                      "Apple shows both on developer.apple.com: Keys (key id) and Membership (team id)");
}

}  // namespace callctl::deliver
