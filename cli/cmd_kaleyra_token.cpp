// callctl kaleyra-token --user-id U [--expires-in SEC]: an SDK access token
// for one Kaleyra Video user (callctl(1), "kaleyra-token"), minted with the
// company API key the way an integrator's backend does (seed: get_credentials).
//
// Token values follow `token create`'s rules: JSON to a pipe or a file is the
// server's answer as sent; a table, or JSON on a terminal, shows the token
// redacted unless --reveal.
#include <ctime>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app.hpp"
#include "setting_options.hpp"
#include "callctl/api/kaleyra.hpp"
#include "callctl/api/token.hpp"
#include "callctl/output/json.hpp"
#include "callctl/output/table.hpp"
#include "callctl/util/time.hpp"

namespace callctl::cli {

namespace {

using nlohmann::json;

struct KaleyraTokenOptions {
    std::string user_id;
    std::int64_t expires_in = api::kaleyra_default_expires_in;
    bool reveal = false;
};

// "2024-05-01 14:00:00 CEST (in 1h 0m)": the expiry as the reader's clock shows it.
std::string local_expiry(const json& answer) {
    if (!answer.contains("expires_at") || !answer["expires_at"].is_string()) return "-";
    const std::string text = answer["expires_at"].get<std::string>();
    const auto parsed = util::parse_iso8601(text);
    if (!parsed || !parsed->has_time) return text;
    const auto when = static_cast<std::time_t>(parsed->unix_seconds);
    std::tm local{};
    char buffer[64];
    if (localtime_r(&when, &local) == nullptr || std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S %Z", &local) == 0) {
        return text;
    }
    return fmt::format("{} ({})", buffer, api::format_time_left(parsed->unix_seconds - util::unix_now()));
}

Status run_kaleyra_token(const KaleyraTokenOptions& options, Context& context) {
    // Bounds first: a wrong --expires-in sends nothing, whatever else is missing.
    if (auto checked = api::check_kaleyra_expires_in(options.expires_in); !checked) return checked;
    auto settings = context.settings();
    if (!settings) return settings.error();
    const config::Settings& s = **settings;
    const std::string& base = s.text("kaleyra_url");
    if (base.empty()) {
        return make_error(ExitCode::usage, "no Kaleyra REST URL",
                          "give --kaleyra-url URL (e.g. https://api.sandbox.eu.bandyer.com), set CALLCTL_KALEYRA_URL, or "
                          "`callctl profile set kaleyra_url URL`");
    }
    auto key = api::kaleyra_api_key(s);
    if (!key) return key.error();

    auto session = context.session();
    if (!session) return session.error();
    (*session)->note(fmt::format("Kaleyra API key from {}", key->origin));
    auto answer = api::kaleyra_sdk_credentials(**session, base, key->value, {options.user_id, options.expires_in});
    if (!answer) return answer.error();

    Printer& out = context.out();
    const bool secrets = options.reveal || (!context.terminal().stdout_tty && !out.is_table());
    const std::string access = (*answer)["access_token"].get<std::string>();
    if (out.quiet()) {
        out.line(secrets ? access : api::redacted_secret(access));
        return {};
    }
    json shown = *answer;
    if (!secrets) shown["access_token"] = api::redacted_secret(access);
    out.result(shown, [&] {
        std::vector<std::pair<std::string, std::string>> fields = {
            {"User", output::cell_text(shown.value("user_id", json()))},
            {"Access token", output::cell_text(shown["access_token"])},
            {"Expires", local_expiry(shown)},
        };
        std::string text = output::render_fields(fields, out.width(), out.style());
        if (!secrets) text += "(token redacted; --reveal shows it, or use -o json in a pipe)\n";
        return text;
    });
    return {};
}

}  // namespace

void register_kaleyra_token(CLI::App& app, Context& context) {
    CLI::App* command = app.add_subcommand(
        "kaleyra-token", "POST <kaleyra-url>/v2/sdk/credentials: an SDK access token for one Kaleyra Video user");
    auto options = std::make_shared<KaleyraTokenOptions>();
    command->add_option("--user-id", options->user_id, "The Kaleyra user id (e.g. usr_123)")->required()->option_text("USER");
    command->add_option("--expires-in", options->expires_in, "Lifetime in seconds, 360 to 86400 (default 3600)")
        ->option_text("SEC");
    command->add_flag("--reveal", options->reveal, "Show the token even on a terminal");
    add_setting_options(*command, context.flags, {"kaleyra_url", "kaleyra_api_key"});
    command->footer("The API key comes from --kaleyra-key-file FILE or CALLCTL_KALEYRA_API_KEY, never from argv.");
    on_run(*command, context, [options](Context& c) { return run_kaleyra_token(*options, c); });
}

}  // namespace callctl::cli
