// callctl login intercom | logout intercom: the intercom backend's OAuth
// login (callctl(1), "login intercom"), stored in the profile's `intercom`
// credential slot, which answer, open-door and hangup then use.
//
// The password never comes from argv: --password-file FILE, --password-file -
// (standard input), CALLCTL_INTERCOM_PASSWORD, or a prompt without echo when
// standard input is a terminal. A pipe never gets a prompt (exit 5).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app.hpp"
#include "choices.hpp"
#include "password_prompt.hpp"
#include "setting_options.hpp"
#include "callctl/api/intercom_login.hpp"
#include "callctl/api/token.hpp"
#include "callctl/util/fs.hpp"
#include "callctl/util/time.hpp"

namespace callctl::cli {

namespace {

using nlohmann::json;

struct LoginOptions {
    std::string username;
    std::string password_file;
};

constexpr std::string_view password_hint =
    "give --password-file FILE, --password-file - to read it from standard input, or CALLCTL_INTERCOM_PASSWORD";

Result<std::string> password_of(const LoginOptions& options, Context& context, bool dry_run) {
    if (dry_run) return std::string("dry-run-password");  // printed as $CALLCTL_INTERCOM_PASSWORD, never asked for
    if (!options.password_file.empty()) {
        auto password = util::read_secret_file(options.password_file);
        if (!password) return password.error();
        if (password->empty()) {
            return make_error(ExitCode::auth,
                              options.password_file == "-" ? std::string("no password on standard input")
                                                           : fmt::format("password file {} is empty", options.password_file),
                              std::string(password_hint));
        }
        return password;
    }
    if (auto env = context.env()(api::intercom_password_env); env && !env->empty()) return *env;
    return read_password(fmt::format("intercom password for {}: ", options.username), password_hint);
}

std::string slot_label(const config::Settings& settings) {
    return fmt::format("{} [{}] intercom", settings.credentials_path.string(), settings.profile);
}

Status run_login(const LoginOptions& options, Context& context) {
    if (options.username.empty()) return make_error(ExitCode::usage, "--username must not be empty");
    auto settings = context.settings();
    if (!settings) return settings.error();
    const config::Settings& s = **settings;
    const std::string& auth_url = s.text("intercom_auth_url");
    if (auth_url.empty()) {
        return make_error(ExitCode::usage, "no intercom OAuth URL",
                          "give --intercom-auth-url URL (or --graphql-url, whose scheme, host and port it defaults to), "
                          "set CALLCTL_INTERCOM_AUTH_URL, or `callctl profile set intercom_auth_url URL`");
    }
    const std::string& client_id = s.text("intercom_client_id");
    if (client_id.empty()) {
        return make_error(ExitCode::usage, "login intercom needs the intercom app's OAuth client id",
                          "give --client-id ID, set CALLCTL_INTERCOM_CLIENT_ID, or `callctl profile set intercom_client_id ID`");
    }
    auto password = password_of(options, context, s.dry_run);
    if (!password) return password.error();

    auto session = context.session();
    if (!session) return session.error();
    auto login = api::intercom_login(**session, auth_url, {client_id, options.username, std::move(*password)});
    if (!login) return login.error();
    if (auto stored = (*session)->store(config::CredentialSlot::intercom(), *login); !stored) return stored;
    context.verbose("saved the intercom login to " + slot_label(s));

    Printer& out = context.out();
    const json shown = {{"logged_in", true},
                        {"username", options.username},
                        {"profile", s.profile},
                        {"expires_at", login->expires_at ? json(api::format_unix_time(*login->expires_at)) : json()},
                        {"saved", slot_label(s)}};
    if (out.quiet()) return {};
    out.result(shown, [&] {
        const std::string expiry = login->expires_at
                                       ? fmt::format("{} ({})", api::format_unix_time(*login->expires_at),
                                                     api::format_time_left(util::seconds_between(api::unix_now(), *login->expires_at)))
                                       : std::string("unknown");
        return fmt::format("logged in to the intercom backend as {}; expires {}\nsaved to {}\n", options.username, expiry,
                           slot_label(s));
    });
    return {};
}

Status run_logout(Context& context) {
    auto settings = context.settings();
    if (!settings) return settings.error();
    const config::Settings& s = **settings;
    // Read and erase under one lock, so "there was none" is true of this very change.
    bool forgotten = false;
    auto changed = config::CredentialStore::update(s.credentials_path, [&](config::CredentialStore& store) -> Result<bool> {
        forgotten = store.erase(s.profile, config::CredentialSlot::intercom());
        return forgotten;
    });
    if (!changed) return changed;
    context.verbose(forgotten ? "removed the intercom login from " + slot_label(s) : "no intercom login in " + slot_label(s));
    // Logging out twice is not an error: the outcome the user wants holds.
    Printer& out = context.out();
    if (out.quiet()) return {};
    out.result(json{{"logged_out", forgotten}, {"profile", s.profile}}, [&] {
        return forgotten ? fmt::format("forgot the intercom login of profile '{}' ({})\n", s.profile, slot_label(s))
                         : fmt::format("there was no intercom login for profile '{}'; nothing to forget\n", s.profile);
    });
    return {};
}

}  // namespace

void register_login(CLI::App& app, Context& context) {
    CLI::App* login = app.add_subcommand("login", "Log in to a backend and store the credential for this profile");
    login->require_subcommand(1);
    auto options = std::make_shared<LoginOptions>();
    CLI::App* intercom = login->add_subcommand(
        "intercom", "POST <intercom-auth-url>/oauth/token?type=login: store the intercom login (answer, open-door, hangup use it)");
    intercom->add_option("--username", options->username, "The intercom user's login name")->required()->option_text("USER");
    completes_files(intercom->add_option("--password-file", options->password_file,
                                         "Read the password from FILE ('-' = stdin) [env: CALLCTL_INTERCOM_PASSWORD]; "
                                         "else asked for without echo on a terminal"))
        ->option_text("FILE|-");
    add_setting_options(*intercom, context.flags, {"intercom_client_id"});
    intercom->footer("The login is renewed (type=exchange) before a command when under 24 h remain, and once after a 401.");
    on_run(*intercom, context, [options](Context& c) { return run_login(*options, c); });

    CLI::App* logout = app.add_subcommand("logout", "Forget a stored login of this profile");
    logout->require_subcommand(1);
    CLI::App* logout_intercom = logout->add_subcommand("intercom", "Forget the intercom login (exit 0 also when there was none)");
    on_run(*logout_intercom, context, [](Context& c) { return run_logout(c); });
}

}  // namespace callctl::cli
