#include "callctl/api/session.hpp"

#include <chrono>

#include <fmt/format.h>

#include "callctl/util/strings.hpp"
#include "callctl/util/time.hpp"

namespace callctl::api {

using nlohmann::json;

Result<std::string> endpoint_url(const config::Settings& settings, Endpoint endpoint) {
    switch (endpoint) {
    case Endpoint::token:
        if (!settings.token_url.empty()) return settings.token_url;
        return make_error(ExitCode::usage, "no token endpoint URL",
                          "give --token-url URL, set CALLCTL_TOKEN_URL, or `callctl profile set token_url URL`");
    case Endpoint::rest:
        if (!settings.rest_url.empty()) return settings.rest_url;
        return make_error(ExitCode::usage, "no REST API URL",
                          "give --rest-url URL, set CALLCTL_REST_URL, or `callctl profile set rest_url URL`");
    case Endpoint::graphql:
        if (!settings.graphql_url.empty()) return settings.graphql_url;
        return make_error(ExitCode::usage, "no GraphQL URL",
                          "give --graphql-url URL, set CALLCTL_GRAPHQL_URL, or `callctl profile set graphql_url URL`");
    }
    return make_error(ExitCode::internal, "unknown endpoint");
}

http::Request json_request(http::Method method, std::string url, const json& body, http::Replay replay) {
    http::Request request;
    request.method = method;
    request.url = std::move(url);
    request.headers.push_back({"Content-Type", "application/json"});
    request.headers.push_back({"Accept", "application/json"});
    request.body = body.dump();
    request.replay = replay;
    return request;
}

Status check_token_answer(const json& body, std::string_view answerer) {
    if (!body.is_object()) return {};
    for (const char* key : {"access_token", "refresh_token"}) {
        if (!body.contains(key) || !body[key].is_string()) continue;
        const auto& value = body[key].get_ref<const std::string&>();
        http::remember_secret(value);
        if (auto usable = http::check_token(value, fmt::format("{}'s {}", answerer, key), ExitCode::http_server);
            !usable) {
            return usable;
        }
    }
    return {};
}

Result<config::StoredToken> token_from_response(const json& body, std::int64_t now, std::optional<std::string> scope,
                                                std::string token_url) {
    if (!body.is_object() || !body.contains("access_token") || !body["access_token"].is_string()) {
        return make_error(ExitCode::http_server, "the token endpoint answered without an access_token");
    }
    if (auto usable = check_token_answer(body); !usable) return usable.error();
    config::StoredToken token;
    token.access_token = body["access_token"].get<std::string>();
    if (body.contains("refresh_token") && body["refresh_token"].is_string()) {
        token.refresh_token = body["refresh_token"].get<std::string>();
    }
    if (body.contains("token_type") && body["token_type"].is_string()) token.token_type = body["token_type"].get<std::string>();
    // Saturating: a hostile 1e300 or 18446744073709551615 is a far future,
    // not an overflow into the past. Unparsable is unknown, not an error.
    if (const auto it = body.find("expires_in"); it != body.end()) {
        if (const auto lifetime = util::json_seconds(*it)) token.expires_at = util::add_seconds(now, *lifetime);
    }
    token.obtained_at = now;
    token.scope = std::move(scope);
    token.token_url = std::move(token_url);
    return token;
}

// The bearer token as RenewOn401 sees it: the one bearer_token() resolves,
// renewable only when it came from the store with a refresh token beside it,
// and only once per run (an expired token refreshed before use counts).
class Session::StoredBearer final : public RenewableCredential {
public:
    explicit StoredBearer(Session& session) : session_(session) {}

    Result<std::string> current() override {
        if (!token_) {
            auto token = session_.bearer_token();
            if (!token) return token.error();
            token_ = std::move(*token);
        }
        return token_->value;
    }
    bool user_given() const override { return token_ && token_->source != config::Source::store; }
    bool renewable() const override {
        if (session_.refreshed_ || session_.settings_.dry_run) return false;
        auto stored = session_.stored_token();
        return stored && *stored && (*stored)->refresh_token;
    }
    Result<std::string> renew() override {
        auto refreshed = session_.refresh_stored_token(token_ ? std::optional<std::string>(token_->value) : std::nullopt);
        if (!refreshed) return refreshed.error();
        token_->value = refreshed->access_token;
        return refreshed->access_token;
    }
    std::string describe() const override { return "the stored token"; }

private:
    Session& session_;
    std::optional<BearerToken> token_;
};

Session::Session(config::Settings settings, http::Client& client, std::function<void(std::string_view)> note)
    : settings_(std::move(settings)),
      client_(client),
      note_(std::move(note)),
      bearer_(std::make_unique<StoredBearer>(*this)),
      renewal_(std::make_unique<RenewOn401>(*bearer_, [this](std::string_view text) { this->note(text); })) {}

Session::~Session() = default;

void Session::note(std::string_view text) const {
    if (note_) note_(text);
}

RenewOn401& Session::bearer_renewal() { return *renewal_; }

Result<std::optional<config::StoredToken>> Session::stored(const config::CredentialSlot& slot) const {
    auto store = config::CredentialStore::load(settings_.credentials_path);
    if (!store) return store.error();
    return store->get(settings_.profile, slot);
}

Status Session::store(const config::CredentialSlot& slot, const config::StoredToken& token) const {
    return config::CredentialStore::update(settings_.credentials_path, [&](config::CredentialStore& store) -> Result<bool> {
        store.put(settings_.profile, slot, token);
        return true;
    });
}

Status Session::forget(const config::CredentialSlot& slot) const {
    return config::CredentialStore::update(settings_.credentials_path, [&](config::CredentialStore& store) -> Result<bool> {
        return store.erase(settings_.profile, slot);
    });
}

std::string Session::stored_whose(std::string_view what) const {
    return fmt::format("the stored {} of profile '{}' ({})", what, settings_.profile, settings_.credentials_path.string());
}

Result<config::StoredToken> Session::exchange_refresh_token(const config::StoredToken& old) {
    if (auto usable = http::check_token(*old.refresh_token, stored_whose("refresh token"), ExitCode::auth); !usable) {
        return usable.error();
    }
    const std::string base = old.token_url.value_or(settings_.token_url);
    if (base.empty()) return endpoint_url(settings_, Endpoint::token).error();

    http::Request request = json_request(http::Method::post, http::join_url(base, "/tokens"),
                                         json{{"refresh_token", *old.refresh_token}}, http::Replay::unsafe);
    request.secrets.push_back({*old.refresh_token, "CALLCTL_REFRESH_TOKEN"});
    auto response = send(request, "refresh the stored token");
    if (!response) {
        // A refresh token the server refuses (400 invalid_grant, 401) leaves
        // no usable token: that is an authentication failure, not bad input.
        Error error = std::move(response).error();
        if (error.code == ExitCode::http_client || error.code == ExitCode::auth) {
            error.code = ExitCode::auth;
            error.hint = "the stored refresh token was refused: create a new token with `callctl token create --save`";
        }
        return error;
    }
    auto body = json_body(*response, "refresh the stored token");
    if (!body) return body.error();
    auto token = token_from_response(*body, util::unix_now(), old.scope, base);
    if (!token) return token.error();
    if (!token->refresh_token) token->refresh_token = old.refresh_token;  // some servers keep the old one valid
    return token;
}

Result<config::StoredToken> Session::refresh_stored_token(std::optional<std::string> seen) {
    auto no_refresh_token = [&] {
        return make_error(ExitCode::auth, "no stored refresh token for profile '" + settings_.profile + "'",
                          "create one with `callctl token create --save`");
    };
    if (settings_.dry_run) {  // nothing is sent, so nothing is stored: no lock either
        auto stored = stored_token();
        if (!stored) return stored.error();
        if (!*stored || !(*stored)->refresh_token) return no_refresh_token();
        return exchange_refresh_token(**stored);
    }
    // The server spends a refresh token when it is used: the lock is held
    // from reading it to storing the new pair, so that two callctl processes
    // never spend the same one, and none writes back a pair already spent.
    std::optional<config::StoredToken> fresh;
    bool taken_over = false;
    const auto wait = std::chrono::seconds(10) + settings_.timeout * (settings_.retries + 1);
    auto updated = config::CredentialStore::update(
        settings_.credentials_path,
        [&](config::CredentialStore& store) -> Result<bool> {
            auto current = store.get(settings_.profile);
            if (!current || !current->refresh_token) return no_refresh_token();
            if (seen && current->access_token != *seen && !current->expired(util::unix_now())) {
                taken_over = true;  // another callctl refreshed (or saved) it since we read it
                fresh = std::move(current);
                return false;
            }
            auto renewed = exchange_refresh_token(*current);
            if (!renewed) return renewed.error();
            store.put(settings_.profile, *renewed);
            fresh = std::move(*renewed);
            return true;
        },
        std::chrono::duration_cast<std::chrono::milliseconds>(wait));
    if (!updated) return updated.error();
    refreshed_ = true;
    note(taken_over ? fmt::format("another callctl stored a new token for profile '{}' meanwhile; using that one", settings_.profile)
                    : fmt::format("refreshed the stored token of profile '{}'", settings_.profile));
    return *fresh;
}

Result<BearerToken> Session::bearer_token() {
    if (settings_.token) {
        return BearerToken{*settings_.token, settings_.token_source, settings_.token_origin};
    }
    auto stored = stored_token();
    if (!stored) return stored.error();
    if (!*stored) {
        if (settings_.dry_run) {
            // A dry run prints "$CALLCTL_TOKEN" in place of the token anyway.
            return BearerToken{"dry-run-token", config::Source::none, "none (dry run)"};
        }
        return make_error(ExitCode::auth, fmt::format("no token for profile '{}'", settings_.profile),
                          "pass --token-file FILE or CALLCTL_TOKEN, or store one with `callctl token create --save`");
    }
    config::StoredToken token = **stored;
    const std::string origin = fmt::format("{} [{}]", settings_.credentials_path.string(), settings_.profile);
    if (auto usable = http::check_token(token.access_token, stored_whose("token"), ExitCode::auth); !usable) {
        return usable.error();
    }
    if (token.expired(util::unix_now()) && !settings_.dry_run) {
        if (!token.refresh_token) {
            return make_error(ExitCode::auth, fmt::format("the stored token of profile '{}' has expired", settings_.profile),
                              "create a new one with `callctl token create --save`");
        }
        note("the stored token has expired; refreshing it first");
        auto refreshed = refresh_stored_token(token.access_token);
        if (!refreshed) return refreshed.error();
        token = *refreshed;
    }
    return BearerToken{token.access_token, config::Source::store, origin};
}

Result<http::Response> Session::send_for_answer(const http::Request& request, std::string_view what) {
    return answer_of(client_.send(request), what);
}

Result<http::Response> Session::send(const http::Request& request, std::string_view what) {
    return success_of(client_.send(request), what);
}

Result<http::Response> Session::send_authorized(http::Request request, std::string_view what) {
    return send_authorized(std::move(request), what, *renewal_);
}

Result<http::Response> Session::send_authorized(http::Request request, std::string_view what, RenewOn401& renewal) {
    return send_with_token(
        [&request](const std::string& token) {
            http::Request authorized = request;
            std::erase_if(authorized.headers, [](const http::Header& h) { return util::iequals(h.name, "Authorization"); });
            authorized.headers.push_back({"Authorization", "Bearer " + token});
            return authorized;
        },
        what, renewal);
}

Result<http::Response> Session::send_with_token(const std::function<http::Request(const std::string& token)>& build,
                                                std::string_view what) {
    return send_with_token(build, what, *renewal_);
}

Result<http::Response> Session::send_with_token(const std::function<http::Request(const std::string& token)>& build,
                                                std::string_view what, RenewOn401& renewal) {
    // A stored token the server no longer accepts is refreshed once and the
    // request tried once more (RenewOn401); explicit tokens are the user's.
    auto response = renewal.send([&](const std::string& token) {
        http::Request request = build(token);
        std::erase_if(request.secrets, [](const http::Secret& s) { return s.env_name == "CALLCTL_TOKEN"; });
        request.secrets.push_back({token, "CALLCTL_TOKEN"});
        return send_for_answer(request, what);
    });
    if (response && !is_success(response->status)) return status_error(*response, what);
    return response;
}

}  // namespace callctl::api
