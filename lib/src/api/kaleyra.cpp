#include "callctl/api/kaleyra.hpp"

#include <fmt/format.h>

#include "callctl/util/strings.hpp"

namespace callctl::api {

using nlohmann::json;

Result<KaleyraApiKey> kaleyra_api_key(const config::Settings& settings) {
    const config::SettingValue& key = settings.value("kaleyra_api_key");
    if (key.source == config::Source::none || key.text.empty()) {
        return make_error(ExitCode::auth, "no Kaleyra API key",
                          "give --kaleyra-key-file FILE ('-' reads standard input), or put the key in CALLCTL_KALEYRA_API_KEY");
    }
    return KaleyraApiKey{key.text, key.origin};
}

Status check_kaleyra_expires_in(std::int64_t seconds) {
    if (seconds < kaleyra_min_expires_in || seconds > kaleyra_max_expires_in) {
        return make_error(ExitCode::usage,
                          fmt::format("--expires-in must be from {} to {} seconds, got {}", kaleyra_min_expires_in,
                                      kaleyra_max_expires_in, seconds),
                          "Kaleyra issues SDK tokens for 6 minutes to 24 hours");
    }
    return {};
}

Result<http::Request> kaleyra_credentials_request(std::string_view kaleyra_url, const std::string& api_key,
                                                  const KaleyraTokenRequest& request) {
    if (util::trim(request.user_id).empty()) return make_error(ExitCode::usage, "--user-id must not be empty");
    if (auto checked = check_kaleyra_expires_in(request.expires_in); !checked) return checked.error();
    // The documented order: user_id, then expires_in.
    const nlohmann::ordered_json body = {{"user_id", request.user_id}, {"expires_in", request.expires_in}};
    http::Request built;
    built.method = http::Method::post;
    built.url = http::join_url(kaleyra_url, "/v2/sdk/credentials");
    built.headers.push_back({"Content-Type", "application/json"});
    built.headers.push_back({"Accept", "application/json"});
    built.headers.push_back({"apikey", api_key});
    built.body = body.dump();
    built.replay = http::Replay::unsafe;
    built.secrets.push_back({api_key, std::string(kaleyra_api_key_env)});
    return built;
}

Result<json> kaleyra_sdk_credentials(Session& session, std::string_view kaleyra_url, const std::string& api_key,
                                     const KaleyraTokenRequest& request) {
    auto built = kaleyra_credentials_request(kaleyra_url, api_key, request);
    if (!built) return built.error();
    constexpr std::string_view what = "Kaleyra SDK credentials";
    auto response = session.send(*built, what);
    if (!response) {
        Error error = std::move(response).error();
        if (error.code == ExitCode::auth) {
            error.hint = "Kaleyra refused the API key: check --kaleyra-key-file or CALLCTL_KALEYRA_API_KEY";
        }
        return error;
    }
    auto body = json_body(*response, what);
    if (!body) return body.error();
    if (!body->is_object() || !body->contains("access_token") || !(*body)["access_token"].is_string()) {
        return make_error(ExitCode::http_server, "Kaleyra answered the SDK credentials request without an access_token");
    }
    return body;
}

}  // namespace callctl::api
