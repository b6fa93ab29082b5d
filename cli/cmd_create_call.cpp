// callctl create-call: POST /rtc/createCall with the body of protocols.md §2,
// printing the CallLog the server answers (-q: just its callId, for scripts).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app.hpp"
#include "call_render.hpp"
#include "callctl/api/rest.hpp"
#include "callctl/output/json.hpp"
#include "callctl/util/fs.hpp"
#include "choices.hpp"

namespace callctl::cli {

namespace {

struct CreateCallOptions {
    std::string title;
    std::vector<std::string> invites;
    std::string invite_file;
    std::vector<std::string> teams;
    std::optional<std::string> type;
    std::string reason = "standard";
    bool anonymous = false;
    bool no_notify = false;
    std::optional<std::int64_t> creator;
    std::optional<std::string> planned;
};

Result<api::CreateCallRequest> build_request(const CreateCallOptions& options) {
    api::CreateCallRequest request;
    request.title = options.title;
    for (const auto& invite : options.invites) {
        auto contact = api::parse_invite(invite);
        if (!contact) return contact.error();
        request.contacts.push_back(std::move(*contact));
    }
    if (!options.invite_file.empty()) {
        auto content = util::read_file(options.invite_file);
        if (!content) return content.error();
        auto contacts = api::parse_invite_file(*content, options.invite_file == "-" ? "(stdin)" : options.invite_file);
        if (!contacts) return contacts.error();
        for (auto& contact : *contacts) request.contacts.push_back(std::move(contact));
    }
    for (const auto& team : options.teams) request.teams.push_back(api::team_object(team));
    if (options.type) {
        auto type = api::parse_call_type(*options.type);
        if (!type) return type.error();
        request.type = *type;
    }
    auto reason = api::parse_call_reason(options.reason);
    if (!reason) return reason.error();
    request.reason = *reason;
    request.anonymous = options.anonymous;
    request.notify = !options.no_notify;
    request.creator = options.creator;
    request.planned = options.planned;
    if (auto valid = api::validate(request); !valid) return valid.error();
    return request;
}

Status run_create_call(const CreateCallOptions& options, Context& context) {
    // Flags are checked before anything touches the network or the token.
    if (auto settings = context.settings(); !settings) {
        return settings.error();
    } else if (auto once = config::check_one_stdin_reader(**settings, "--invite-file", options.invite_file); !once) {
        return once;
    }
    auto request = build_request(options);
    if (!request) return request.error();
    auto session = context.session();
    if (!session) return session.error();
    auto log = api::create_call(**session, *request);
    if (!log) return log.error();

    Printer& out = context.out();
    if (out.quiet()) {
        // `id=$(callctl -q create-call ...)`: the callId alone, whatever -o says.
        const std::string call_id = api::summarize_call(*log).call_id;
        out.line(call_id);
        return {};
    }
    if (out.is_table()) {
        out.text(render_call_report(*log, out.width(), out.style()));
    } else {
        out.json(*log);
    }
    return {};
}

}  // namespace

void register_create_call(CLI::App& app, Context& context) {
    auto options = std::make_shared<CreateCallOptions>();
    CLI::App* command = app.add_subcommand("create-call", "Create a call (POST /rtc/createCall) and print its CallLog");
    command->add_option("--title", options->title, "Title of the call")->required();
    command->add_option("--invite", options->invites, "Invite USER or USER:DBID (userId, userDbId); repeatable")
        ->type_name("USER[:DBID]");
    completes_files(command->add_option("--invite-file", options->invite_file,
                                        "Invite the contacts of a JSON array of contact objects ('-' = stdin); every field is sent"))
        ->type_name("FILE");
    command->add_option("--team", options->teams, "Invite a team by id; repeatable")->type_name("ID");
    // Case-insensitive, wire spelling accepted (SFU, SERVICE_REQUEST).
    restrict_to(command->add_option("--type", options->type,
                                    "mesh (1:1) or sfu (multi-party); default: sfu for more than one invitee"),
                {"mesh", "sfu"});
    restrict_to(command->add_option("--reason", options->reason, "standard or service-request (default: standard)"),
                {"standard", "service-request"});
    command->add_flag("--anonymous", options->anonymous, "Allow anonymous joins");
    command->add_flag("--no-notify", options->no_notify, "Do not notify the invitees right away");
    command->add_option("--creator", options->creator, "Create the call on behalf of this user's database id (broker)")
        ->type_name("DBID");
    command->add_option("--planned", options->planned, "Planned start, ISO-8601 (e.g. 2030-01-31T09:30:00Z)")
        ->type_name("ISO8601");
    command->footer("With -q only the new callId is printed: id=$(callctl -q create-call --title T --invite tester:8)");
    on_run(*command, context, [options](Context& c) { return run_create_call(*options, c); });
}

}  // namespace callctl::cli
