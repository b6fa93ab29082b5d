// callctl answer | open-door | hangup: intercom control over GraphQL
// (callctl(1), "answer" and WIRE FORMATS). The device comes from --device or
// from a captured push (--from-push); the document is the built-in one unless
// --query-file or the profile replaces it (--operation picks one of several).
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app.hpp"
#include "choices.hpp"
#include "callctl/api/graphql.hpp"
#include "callctl/api/intercom.hpp"
#include "callctl/api/intercom_bearer.hpp"
#include "callctl/output/table.hpp"
#include "callctl/push/push.hpp"
#include "callctl/util/fs.hpp"

namespace callctl::cli {

namespace {

using nlohmann::json;

struct IntercomOptions {
    std::string device;
    std::string from_push;
    std::string query_file;
    std::optional<std::string> operation;
};

std::string push_origin(const std::string& path) { return path == "-" ? "the push on stdin" : "push " + path; }

// --device, --from-push, or both when they agree.
Result<std::string> resolve_device(const IntercomOptions& options, std::string_view command) {
    const bool have_device = !options.device.empty();
    if (!have_device && options.from_push.empty()) {
        return make_error(ExitCode::usage, fmt::format("{} needs --device IOT_DEVICE_ID or --from-push FILE", command),
                          fmt::format("e.g. `callctl {} --device dev_42`, or `callctl {} --from-push push.json`", command,
                                      command));
    }
    if (options.from_push.empty()) return options.device;

    auto raw = util::read_file(options.from_push);
    if (!raw) return raw.error();
    auto from_push = push::find_iot_device_id(*raw);
    if (!from_push || from_push->empty()) {
        return make_error(ExitCode::bad_input, fmt::format("{}: no iotDeviceId found", push_origin(options.from_push)),
                          "an intercom push carries one (Call.Incoming / Call.StopIncoming); see what this one holds "
                          "with `callctl decode-push FILE`");
    }
    if (have_device && *from_push != options.device) {
        return make_error(ExitCode::usage,
                          fmt::format("--device {} differs from the iotDeviceId {} in {}", options.device, *from_push,
                                      push_origin(options.from_push)),
                          "give one of --device and --from-push, or make them agree");
    }
    return *from_push;
}

Result<std::optional<api::DocumentOverride>> read_query_file(const IntercomOptions& options) {
    if (options.query_file.empty()) return std::optional<api::DocumentOverride>{};
    auto text = util::read_file(options.query_file);
    if (!text) return text.error();
    return std::optional<api::DocumentOverride>{api::DocumentOverride{std::move(*text), "--query-file " + options.query_file}};
}

std::string confirmation(const api::IntercomActionSpec& spec, const std::string& device, const json& data) {
    const auto name = api::device_name(data);  // the server's words: escaped, as every report's are
    return output::escape_controls(name ? fmt::format("{}: {} ({})", spec.confirmation, device, *name)
                                        : fmt::format("{}: {}", spec.confirmation, device)) +
           "\n";
}

Status run_intercom(api::IntercomAction action, const IntercomOptions& options, Context& context) {
    const api::IntercomActionSpec& spec = api::intercom_action(action);
    if (options.from_push == "-" && options.query_file == "-") {
        return make_error(ExitCode::usage, "--from-push and --query-file cannot both read standard input");
    }

    // Everything the user gave is checked before any token or network is touched.
    auto device = resolve_device(options, spec.command);
    if (!device) return device.error();
    auto query_file = read_query_file(options);
    if (!query_file) return query_file.error();
    auto settings = context.settings();
    if (!settings) return settings.error();
    auto request = api::intercom_request(action, *device, **settings, api::DocumentOptions{*query_file, options.operation});
    if (!request) return request.error();
    auto url = api::endpoint_url(**settings, api::Endpoint::graphql);
    if (!url) return url.error();

    auto session = context.session();
    if (!session) return session.error();
    const std::string sent_name = request->operation_name.empty() ? "(anonymous)" : request->operation_name;
    (*session)->note(fmt::format("{} on device {}", sent_name, *device));
    if (*query_file || (*settings)->graphql_documents.count(std::string(spec.operation)) > 0) {
        (*session)->note(fmt::format("{} document ({}) from {}", spec.operation, sent_name,
                                     *query_file ? (*query_file)->origin : "the profile"));
    }

    // --token/CALLCTL_TOKEN, else the profile's intercom login, else its token-endpoint token.
    api::IntercomBearer bearer(**session);
    auto renewal = bearer.renewal();
    if (!renewal) return renewal.error();
    auto response = api::execute_graphql(**session, *url, *request, **renewal);
    if (!response) return response.error();

    Printer& out = context.out();
    if (response->failed()) {
        // JSON readers still get whatever data the server managed to return.
        if (!out.is_table()) out.json(response->to_json());
        return api::failure_of(*response, api::replacement_hint(spec.operation, *response));
    }
    out.result(response->data, [&] { return confirmation(spec, *device, response->data); });
    return {};
}

void register_one(CLI::App& app, Context& context, const api::IntercomActionSpec& spec) {
    CLI::App* command = app.add_subcommand(std::string(spec.command), std::string(spec.summary));
    auto options = std::make_shared<IntercomOptions>();
    command->add_option("--device", options->device, "The intercom's iotDeviceId")->option_text("IOT_DEVICE_ID");
    completes_files(command->add_option("--from-push", options->from_push,
                        "Take the iotDeviceId from a push payload (FILE, or - for stdin; any form decode-push accepts, "
                        "no key needed)"))
        ->option_text("FILE");
    completes_files(command->add_option("--query-file", options->query_file,
                        fmt::format("Send this GraphQL document instead of the built-in {} (its operation, whatever "
                                    "its name, must declare the variables callctl sends)",
                                    spec.operation)))
        ->option_text("FILE");
    command->add_option("--operation", options->operation,
                        "Which operation of a document that holds several to send (its operationName)")
        ->option_text("NAME");
    command->footer(fmt::format("Prints the mutation's data. GraphQL errors exit 8. A profile may replace the "
                                "document: `callctl profile set graphql.{} @FILE`.",
                                spec.operation));
    const api::IntercomAction action = spec.action;
    on_run(*command, context, [action, options](Context& c) { return run_intercom(action, *options, c); });
}

}  // namespace

void register_intercom(CLI::App& app, Context& context) {
    for (const auto& spec : api::intercom_actions()) register_one(app, context, spec);
}

}  // namespace callctl::cli
