// callctl token create|refresh|revoke|show|config: the token endpoint and the
// profile's stored credentials.
//
// Token values on stdout: scripts need them (`token create -o json | jq`), so
// JSON written to a pipe or file carries the server's answer as sent. A person
// at a terminal should not see them by accident, so table output, and JSON
// written to a terminal, show them redacted unless --reveal is given.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app.hpp"
#include "choices.hpp"
#include "callctl/api/credential_list.hpp"
#include "callctl/api/token.hpp"
#include "callctl/crypto/jwt.hpp"
#include "callctl/output/json.hpp"
#include "callctl/output/table.hpp"
#include "callctl/util/fs.hpp"
#include "callctl/util/time.hpp"

namespace callctl::cli {

namespace {

using nlohmann::json;

struct TokenOptions {
    std::string scope;
    std::string auth_code;
    std::string auth_code_file;
    std::string refresh_token;
    std::string refresh_token_file;
    bool save = false;
    bool reveal = false;
    bool local = false;
};

bool show_secrets(Context& context, bool reveal) {
    return reveal || (!context.terminal().stdout_tty && !context.out().is_table());
}

std::string store_label(const config::Settings& settings) {
    return fmt::format("{} [{}]", settings.credentials_path.string(), settings.profile);
}

std::string expiry_text(const json& response) {
    if (!response.contains("expires_in")) return "-";
    const auto seconds = util::json_seconds(response["expires_in"]);  // saturated: 1e300 is no overflow
    if (!seconds) return "-";
    return fmt::format("{} ({})", api::format_time_left(*seconds),
                       api::format_unix_time(util::add_seconds(api::unix_now(), *seconds)));
}

// Prints a token response: raw or redacted (see the top of this file); -q
// prints the access token alone, for `TOKEN=$(callctl token create ... -q)`.
void print_token_response(Context& context, const json& response, bool reveal, const std::string& saved_to) {
    Printer& out = context.out();
    const bool secrets = show_secrets(context, reveal);
    if (out.quiet()) {
        const std::string access = response.value("access_token", "");
        out.line(secrets ? access : api::redacted_secret(access));
        return;
    }
    const json shown = secrets ? response : api::redact_token_response(response);
    out.result(shown, [&] {
        std::vector<std::pair<std::string, std::string>> fields = {
            {"Access token", output::cell_text(shown.value("access_token", json()))},
            {"Token type", output::cell_text(shown.value("token_type", json()))},
            {"Expires in", expiry_text(shown)},
            {"Refresh token", output::cell_text(shown.value("refresh_token", json()))},
            {"Saved", saved_to.empty() ? "no (add --save to store it for later commands)" : saved_to},
        };
        std::string text = output::render_fields(fields, out.width(), out.style());
        if (!secrets) text += "(token values redacted; --reveal shows them, or use -o json in a pipe)\n";
        return text;
    });
}

Result<std::optional<std::string>> auth_code_of(const TokenOptions& options, const Context& context) {
    if (!options.auth_code.empty() && !options.auth_code_file.empty()) {
        return make_error(ExitCode::usage, "give --auth-code or --auth-code-file, not both");
    }
    if (options.auth_code == "-") {
        auto code = util::read_secret_file("-");
        if (!code) return code.error();
        return std::optional<std::string>(*code);
    }
    if (!options.auth_code.empty()) return std::optional<std::string>(options.auth_code);
    if (!options.auth_code_file.empty()) {
        auto code = util::read_secret_file(options.auth_code_file);
        if (!code) return code.error();
        return std::optional<std::string>(*code);
    }
    if (auto env = context.env()(api::auth_code_env)) return std::optional<std::string>(*env);
    return std::optional<std::string>();
}

Status run_create(const TokenOptions& options, Context& context) {
    auto scope = api::parse_scope(options.scope);
    if (!scope) return scope.error();
    auto code = auth_code_of(options, context);
    if (!code) return code.error();
    // Check the request before opening a session, so a missing code is a
    // usage error even without a configured endpoint.
    if (auto checked = api::create_token_request("http://check", {*scope, *code}); !checked) return checked.error();

    auto session = context.session();
    if (!session) return session.error();
    // Nowhere to store it (HOME unset): refuse before a token is issued and lost.
    if (options.save && (*session)->settings().credentials_path.empty()) return config::no_config_dir_error();
    auto response = api::create_token(**session, {*scope, *code});
    if (!response) return response.error();

    std::string saved_to;
    if (options.save) {
        auto token = api::token_from_response(*response, api::unix_now(), std::string(api::to_wire(*scope)),
                                              (*session)->settings().token_url);
        if (!token) return token.error();
        if (auto saved = (*session)->save_token(*token); !saved) return saved;
        saved_to = store_label((*session)->settings());
        context.verbose("saved the token to " + saved_to);
    }
    print_token_response(context, *response, options.reveal, saved_to);
    return {};
}

Status run_refresh(const TokenOptions& options, Context& context) {
    if (!options.refresh_token.empty() && !options.refresh_token_file.empty()) {
        return make_error(ExitCode::usage, "give --refresh-token or --refresh-token-file, not both");
    }
    std::string explicit_token = options.refresh_token;
    if (options.refresh_token == "-" || !options.refresh_token_file.empty()) {
        auto read = util::read_secret_file(options.refresh_token == "-" ? "-" : options.refresh_token_file);
        if (!read) return read.error();
        explicit_token = *read;
    }
    auto session = context.session();
    if (!session) return session.error();
    api::Session& s = **session;
    auto stored = s.stored_token();
    if (!stored) return stored.error();

    const bool from_store = explicit_token.empty() ||
                            (*stored && (*stored)->refresh_token && *(*stored)->refresh_token == explicit_token);
    if (from_store && !(*stored && (*stored)->refresh_token) && s.settings().dry_run) {
        explicit_token = "dry-run-refresh-token";  // printed as $CALLCTL_REFRESH_TOKEN
    } else if (from_store) {
        // The server spends a refresh token when it is used, so a refreshed
        // stored pair is always saved: keeping the old one would strand the user.
        auto token = s.refresh_stored_token();
        if (!token) return token.error();
        json response = {{"access_token", token->access_token}, {"token_type", token->token_type}};
        if (token->expires_at && token->obtained_at) response["expires_in"] = util::seconds_between(*token->obtained_at, *token->expires_at);
        if (token->refresh_token) response["refresh_token"] = *token->refresh_token;
        print_token_response(context, response, options.reveal, store_label(s.settings()));
        return {};
    }

    auto response = api::refresh_token(s, explicit_token);
    if (!response) return response.error();
    std::string saved_to;
    if (options.save) {
        auto token = api::token_from_response(*response, api::unix_now(), std::nullopt, s.settings().token_url);
        if (!token) return token.error();
        if (!token->refresh_token) token->refresh_token = explicit_token;
        if (auto saved = s.save_token(*token); !saved) return saved;
        saved_to = store_label(s.settings());
    }
    print_token_response(context, *response, options.reveal, saved_to);
    return {};
}

Status run_revoke(const TokenOptions& options, Context& context) {
    auto session = context.session();
    if (!session) return session.error();
    api::Session& s = **session;
    auto stored = s.stored_token();
    if (!stored) return stored.error();
    const std::string label = store_label(s.settings());

    if (options.local) {
        if (auto forgotten = s.forget_token(); !forgotten) return forgotten;
        if (!context.out().quiet()) {
            context.out().result(json{{"revoked", false}, {"forgotten", stored->has_value()}, {"profile", s.settings().profile}},
                                 [&] { return fmt::format("{} the stored token of {} (not revoked on the server)\n",
                                                          stored->has_value() ? "forgot" : "there was no", label); });
        }
        return {};
    }

    std::string token;
    if (s.settings().token) token = *s.settings().token;
    else if (*stored) token = (*stored)->access_token;
    else if (s.settings().dry_run) token = "dry-run-token";  // printed as $CALLCTL_TOKEN
    else {
        return make_error(ExitCode::auth, fmt::format("no token to revoke for profile '{}'", s.settings().profile),
                          "pass --token/--token-file, or store one with `callctl token create --save`");
    }

    auto response = api::revoke_token(s, token);
    if (!response) {
        Error error = std::move(response).error();
        if (*stored && (*stored)->access_token == token && error.hint.empty()) {
            error.hint = "the stored token was kept; `callctl token revoke --local` forgets it without asking the server";
        }
        return error;
    }
    const bool forget = *stored && (*stored)->access_token == token;
    if (forget) {
        if (auto forgotten = s.forget_token(); !forgotten) return forgotten;
        context.verbose("removed the stored token from " + label);
    }
    if (!context.out().quiet()) {
        context.out().result(json{{"revoked", true}, {"forgotten", forget}, {"profile", s.settings().profile}}, [&] {
            return forget ? fmt::format("revoked the token and removed it from {}\n", label) : std::string("revoked the token\n");
        });
    }
    return {};
}

// "intercom   a1b2c3…(redacted)  expires 2024-05-01T12:00:00Z (6d 23h 59m)  resident@example.com"
std::string credential_line(const json& c) {
    std::string line = output::cell_text(c["access_token"]);
    if (!c["expires_at"].is_null()) {
        line += fmt::format("  expires {} ({})", output::cell_text(c["expires_at"]),
                            api::format_time_left(c["expires_in"].get<std::int64_t>()));
    } else {
        line += "  expiry unknown";
    }
    if (c.contains("username")) line += "  " + output::cell_text(c["username"]);
    return line;
}

Status run_show(const TokenOptions& options, Context& context) {
    auto settings = context.settings();
    if (!settings) return settings.error();
    const config::Settings& s = **settings;
    auto store = config::CredentialStore::load(s.credentials_path);
    if (!store) return store.error();
    const auto stored = store->get(s.profile);
    // Every credential the profile stores, in every slot (token show lists them all).
    const json credentials = api::describe_credentials(store->list(s.profile), api::unix_now(), options.reveal);

    api::TokenOrigin origin;
    std::optional<config::StoredToken> metadata;
    if (s.token) {
        origin = api::origin_of(s);
        if (stored && stored->access_token == *s.token) metadata = stored;  // the stored one, given again
    } else if (stored) {
        origin = {stored->access_token, "store", store_label(s)};
        metadata = stored;
    } else if (credentials.empty()) {
        return make_error(ExitCode::auth, fmt::format("no token for profile '{}'", s.profile),
                          "pass --token-file FILE or CALLCTL_TOKEN, or store one with `callctl token create --save` "
                          "(or `callctl login intercom`)");
    }
    json shown = origin.source.empty() ? json{{"token", nullptr}, {"source", "none"}}
                                       : api::describe_token(origin, metadata, api::unix_now(), options.reveal);
    shown["credentials"] = credentials;

    Printer& out = context.out();
    if (out.quiet()) {
        if (shown["token"].is_string()) out.line(shown["token"].get<std::string>());
        return {};
    }
    out.result(shown, [&] {
        auto text = [&](const char* key) { return output::cell_text(shown.value(key, json())); };
        std::vector<std::pair<std::string, std::string>> fields;
        if (shown["token"].is_null()) {
            fields.emplace_back("Token", "none for the token endpoint's commands");
        } else {
            std::string expiry = "unknown";
            if (!shown["expires_at"].is_null()) {
                expiry = fmt::format("{} ({})", text("expires_at"), api::format_time_left(shown["expires_in"].get<std::int64_t>()));
            }
            fields = {
                {"Token", text("token") + (options.reveal ? "" : "  (--reveal shows it)")},
                {"Source", fmt::format("{}: {}", text("source"), text("origin"))},
                {"Scope", text("scope")},
                {"Expires", expiry},
                {"Refresh token", shown.contains("refresh_token") ? (shown["refresh_token"].is_null() ? "none" : text("refresh_token")) : "-"},
            };
            if (shown.contains("token_url")) fields.emplace_back("Issued by", text("token_url"));
            if (shown["jwt"].is_object()) {
                fields.emplace_back("JWT header", shown["jwt"]["header"].dump());
                for (const auto& [claim, value] : shown["jwt"]["claims"].items()) {
                    std::string cell = output::cell_text(value);
                    if (claim == "exp" || claim == "iat" || claim == "nbf") {
                        // Saturated: an unsigned 18446744073709551615 is no -1 (1969).
                        if (const auto time = util::json_seconds(value); time && value.is_number_integer()) {
                            cell += "  (" + api::format_unix_time(*time) + ")";
                        }
                    }
                    fields.emplace_back("  " + claim, cell);
                }
                fields.emplace_back("JWT", "claims decoded, signature NOT verified");
            } else {
                fields.emplace_back("JWT", "no (an opaque token)");
            }
        }
        fields.emplace_back("Stored", credentials.empty() ? fmt::format("nothing in {}", store_label(s)) : store_label(s));
        for (const auto& c : credentials) fields.emplace_back("  " + c["slot"].get<std::string>(), credential_line(c));
        return output::render_fields(fields, out.width(), out.style());
    });
    return {};
}

// One row per field: nested objects by dotted name ("info.dhs_name"), arrays
// joined, whatever the server sent (older servers send scope_names as an
// array or an object, newer ones info.scope_map); nothing is required.
void config_rows(const json& value, const std::string& name, std::vector<std::pair<std::string, std::string>>& rows) {
    if (value.is_object() && !value.empty()) {
        for (const auto& [key, member] : value.items()) config_rows(member, name.empty() ? key : name + "." + key, rows);
        return;
    }
    std::string text;
    if (value.is_array()) {
        for (const auto& item : value) text += (text.empty() ? "" : ", ") + output::cell_text(item);
    } else if (!value.is_object()) {
        text = output::cell_text(value);
    }
    rows.emplace_back(name.empty() ? "config" : name, text.empty() ? "-" : text);
}

Status run_config(Context& context) {
    auto session = context.session();
    if (!session) return session.error();
    auto config = api::app_config(**session);
    if (!config) return config.error();
    Printer& out = context.out();
    out.result(*config, [&] {
        std::vector<std::pair<std::string, std::string>> rows;
        config_rows(*config, "", rows);
        return output::render_fields(rows, out.width(), out.style());
    });
    return {};
}

}  // namespace

void register_token(CLI::App& app, Context& context) {
    CLI::App* token = app.add_subcommand("token", "Create, refresh, revoke and inspect tokens of the token endpoint");
    token->require_subcommand(1);
    auto options = std::make_shared<TokenOptions>();

    CLI::App* create = token->add_subcommand("create", "POST /tokens: a new access token for a scope");
    restrict_to(create->add_option("--scope", options->scope,
                                   "The kind of user, or e911 for the app's emergency-services token (the wire "
                                   "spelling MOBILE_NUMBER works too)"),
                {std::begin(api::scope_names), std::end(api::scope_names)})
        ->required();
    create->add_option("--auth-code", options->auth_code,
                       "mobile-number only: the OAuth consent code ('-' reads stdin) [env: CALLCTL_AUTH_CODE]");
    completes_files(create->add_option("--auth-code-file", options->auth_code_file, "Read the consent code from FILE"));
    create->add_flag("--save", options->save, "Store the token (and refresh token, scope, expiry) for this profile");
    create->add_flag("--reveal", options->reveal, "Show token values even on a terminal");
    on_run(*create, context, [options](Context& c) { return run_create(*options, c); });

    CLI::App* refresh = token->add_subcommand("refresh", "POST /tokens {refresh_token}: default the stored one (the new pair is stored)");
    refresh->add_option("--refresh-token", options->refresh_token, "The refresh token ('-' reads stdin)");
    completes_files(refresh->add_option("--refresh-token-file", options->refresh_token_file, "Read the refresh token from FILE"));
    refresh->add_flag("--save", options->save, "Store the new pair for this profile (always done for the stored token)");
    refresh->add_flag("--reveal", options->reveal, "Show token values even on a terminal");
    on_run(*refresh, context, [options](Context& c) { return run_refresh(*options, c); });

    CLI::App* revoke = token->add_subcommand("revoke", "DELETE /tokens: revoke --token or the stored token, and forget it");
    revoke->add_flag("--local", options->local, "Only forget the stored token; do not contact the server");
    on_run(*revoke, context, [options](Context& c) { return run_revoke(*options, c); });

    CLI::App* show = token->add_subcommand(
        "show", "The token in use (source, scope, expiry, JWT claims) and every credential the profile stores (offline)");
    show->add_flag("--reveal", options->reveal, "Print the token itself too");
    on_run(*show, context, [options](Context& c) { return run_show(*options, c); });

    CLI::App* config = token->add_subcommand("config", "GET /config: the app configuration of the token endpoint");
    on_run(*config, context, [](Context& c) { return run_config(c); });
}

}  // namespace callctl::cli
