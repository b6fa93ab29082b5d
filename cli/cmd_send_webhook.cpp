// callctl send-webhook: POST a Kaleyra or Webex webhook to a URL, signed
// afresh: one body, the requests of a `listen --record` file in order, or a
// built-in example (--event). One result per request (callctl(1), "send-webhook").
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app.hpp"
#include "callctl/api/kaleyra.hpp"
#include "callctl/output/json.hpp"
#include "callctl/output/table.hpp"
#include "callctl/util/interrupt.hpp"
#include "callctl/webhook/send_webhook.hpp"
#include "choices.hpp"
#include "setting_options.hpp"

namespace callctl::cli {

namespace {

struct SendWebhookOptions {
    std::string file;
    std::string to;
    std::string vendor;
    std::string event;
    std::vector<std::string> sets;
    std::string kaleyra_signature;
    bool unsigned_requests = false;
    // --event only
    std::optional<std::string> caller;
    std::vector<std::string> callees;
    bool v1 = false;
};

std::vector<std::string> event_names() {
    std::vector<std::string> names;
    for (const auto& event : webhook::example_events()) names.emplace_back(event.name);
    return names;
}

Status check_options(const SendWebhookOptions& o, const Context& context) {
    if (auto ok = webhook::check_target_url(o.to); !ok) return ok;
    if (!o.event.empty() && !o.file.empty()) {
        return make_error(ExitCode::usage, "give FILE or --event NAME, not both", "--event sends a built-in example body");
    }
    if (o.event.empty() && (o.caller || !o.callees.empty() || o.v1)) {
        return make_error(ExitCode::usage, "--caller, --callee and --kaleyra-v1 shape a built-in example: they need --event");
    }
    if (!o.event.empty() && !o.vendor.empty()) {
        const auto* example = webhook::find_example_event(o.event);
        if (push::to_string(example->vendor) != o.vendor) {
            return make_error(ExitCode::usage, fmt::format("--event {} is a {} webhook, not {}", o.event,
                                                           push::to_string(example->vendor), o.vendor));
        }
    }
    if (o.file.empty() || o.file == "-") {
        for (const char* row : {"kaleyra_api_key", "webex_secret"}) {
            const auto given = context.flags.values.find(row);
            if (o.event.empty() && given != context.flags.values.end() && given->second == "-") {
                return make_error(ExitCode::usage, "the secret and the webhook cannot both come from standard input",
                                  "name the webhook FILE, or put the secret in a file");
            }
        }
    }
    if (o.unsigned_requests && !o.kaleyra_signature.empty()) {
        return make_error(ExitCode::usage, "--unsigned sends no signature: it cannot go with --kaleyra-signature");
    }
    return {};
}

Result<webhook::Inputs> read_what_to_send(const SendWebhookOptions& o, const Context& context) {
    webhook::InputOptions input;
    if (!o.vendor.empty()) {
        auto vendor = push::parse_vendor(o.vendor);
        if (!vendor) return vendor.error();
        input.vendor = *vendor;
    }
    for (const auto& text : o.sets) {
        auto assignment = webhook::parse_assignment(text);
        if (!assignment) return assignment.error();
        input.assignments.push_back(std::move(*assignment));
    }
    if (!o.event.empty()) {
        webhook::ExampleParams params;
        if (o.caller) params.caller = *o.caller;
        if (!o.callees.empty()) {
            params.callees = o.callees;
            params.person_id = o.callees.front();
        }
        params.kaleyra_v1 = o.v1;
        auto example = webhook::example_input(o.event, params, input);
        if (!example) return example.error();
        webhook::Inputs inputs;
        inputs.webhooks.push_back(std::move(*example));
        return inputs;
    }
    const std::string path = o.file.empty() ? "-" : o.file;
    if (path == "-" && ::isatty(STDIN_FILENO) == 1) {
        context.warn("reading the webhook from the terminal; end it with Ctrl-D");
    }
    auto content = webhook::read_input(path);
    if (!content) return content.error();
    input.origin = path == "-" ? "standard input" : path;
    return webhook::read_inputs(*content, input);
}

std::optional<std::string> secret_of(const config::Settings& settings, std::string_view row) {
    const auto& value = settings.value(row);
    if (value.source == config::Source::none) return std::nullopt;
    return value.text;
}

std::string table_of(const std::vector<webhook::Delivery>& deliveries, std::size_t width, output::Style style) {
    const bool from_record = !deliveries.empty() && deliveries.front().line != 0;
    std::vector<std::string> headers = {"EVENT", "SIGNATURE", "STATUS", "MS", "TO"};
    if (from_record) headers.insert(headers.begin(), "LINE");
    output::Table table(headers);
    for (const auto& d : deliveries) {
        std::string status = d.status ? std::to_string(*d.status) : "error";
        if (!d.ok) status += ": " + (d.message.empty() ? d.error : d.message);
        std::vector<std::string> row = {fmt::format("{} {}", push::to_string(d.vendor), d.event), d.signature,
                                        output::colorize_status(d.ok ? "ok" : "error", style) + " " + status,
                                        std::to_string(d.elapsed.count()), d.to};
        if (from_record) row.insert(row.begin(), std::to_string(d.line));
        table.add_row(std::move(row));
    }
    return table.render(width, style);
}

Status run_send_webhook(const SendWebhookOptions& o, Context& context) {
    if (auto ok = check_options(o, context); !ok) return ok;
    auto settings = context.settings();
    if (!settings) return settings.error();

    webhook::SignOptions sign;
    // The one lookup of the company key (kaleyra-token uses it too); none is
    // fine until a Kaleyra webhook needs signing (check_signable says so).
    if (auto key = api::kaleyra_api_key(**settings)) sign.kaleyra_api_key = std::move(key->value);
    sign.webex_secret = secret_of(**settings, "webex_secret");
    sign.unsigned_requests = o.unsigned_requests;
    if (!o.kaleyra_signature.empty()) {
        auto scheme = webhook::parse_kaleyra_scheme(o.kaleyra_signature);
        if (!scheme) return scheme.error();
        sign.kaleyra_scheme = *scheme;
    }

    auto inputs = read_what_to_send(o, context);
    if (!inputs) return inputs.error();
    if (auto signable = webhook::check_signable(inputs->webhooks, sign); !signable) return signable;
    for (const auto& note : inputs->notes) context.warn(note);

    auto session = context.session();
    if (!session) return session.error();
    http::Client& client = (*session)->client();
    Printer& out = context.out();
    std::vector<webhook::Delivery> deliveries;
    for (const auto& item : inputs->webhooks) {
        if (util::interrupted()) return make_error(ExitCode::interrupted, "interrupted");
        // Signed right before it goes: a Kaleyra v1 t is the time of sending.
        auto request = webhook::signed_request(item, o.to, sign, std::chrono::system_clock::now());
        if (!request) return request.error();
        const http::Outcome outcome = client.send(request->request);
        if (!outcome && outcome.error().kind == http::TransportFailure::dry_run) continue;  // recorded as a curl line
        webhook::Delivery delivery = webhook::delivery_of(item, *request, outcome);
        if (!delivery.ok) {
            context.record_failure(delivery.code);
            context.warn(delivery.error.empty()
                             ? fmt::format("POST {}: HTTP {}{}", delivery.to, delivery.status.value_or(0),
                                           delivery.message.empty() ? "" : ": " + delivery.message)
                             : delivery.error);
        }
        if (out.format() == config::OutputFormat::ndjson) {
            out.json(webhook::to_json(delivery));
            out.flush();
        }
        deliveries.push_back(std::move(delivery));
        if (deliveries.back().code == ExitCode::interrupted) break;
    }
    if (context.flags.dry_run) return {};
    if (out.is_table()) {
        out.text(table_of(deliveries, out.width(), out.style()));
    } else if (out.format() != config::OutputFormat::ndjson) {
        webhook::Json array = webhook::Json::array();
        for (const auto& d : deliveries) array.push_back(webhook::to_json(d));
        out.json(array);
    }
    return {};
}

}  // namespace

void register_send_webhook(CLI::App& app, Context& context) {
    auto o = std::make_shared<SendWebhookOptions>();
    CLI::App* command = app.add_subcommand("send-webhook", "POST a Kaleyra or Webex webhook, signed afresh (or replay a listen --record)");
    completes_files(command->add_option("file", o->file, "The webhook body, or a listen --record file (default: - for standard input)"))
        ->option_text("FILE|-");
    command->add_option("--to", o->to, "POST it here (a record's requests all go to URL, as given)")->required()->option_text("URL");
    restrict_to(command->add_option("--vendor", o->vendor, "Sign as this vendor's webhook (default: from the body)"),
                {"kaleyra", "webex"});
    restrict_to_names(command->add_option("--event", o->event, "Send a built-in example webhook instead of FILE"), event_names())
        ->option_text("NAME");
    command->add_option("--set", o->sets, "Change a field of each body first: a.b.c=VALUE (JSON, else text); repeatable")
        ->option_text("PATH=VALUE");
    add_setting_options(*command, context.flags, {"kaleyra_api_key", "webex_secret"});
    command->add_option("--kaleyra-signature", o->kaleyra_signature,
                        "Kaleyra: v1 (bandyer-signature, t in seconds), v1-ms (t in ms), v0 (room-id-hmac); default: "
                        "as recorded, else v1")
        ->option_text("v1|v1-ms|v0");
    command->add_flag("--unsigned", o->unsigned_requests, "Send no signature header (to see a receiver refuse it)");
    command->add_option("--caller", o->caller, "--event: the calling user (Kaleyra initiator; default usr_123)")->option_text("ID");
    command->add_option("--callee", o->callees,
                        "--event: a called user, repeatable (Kaleyra users; Webex actorId/createdBy: the first one)")
        ->option_text("ID");
    command->add_flag("--kaleyra-v1", o->v1, "--event: a Kaleyra v1 envelope (event_version, namespace, timestamp)");
    command->footer(
        "Each request is POSTed once: never retried once the receiver may have got it. Output: one result per\n"
        "request ({\"to\",\"status\",\"ok\",...}): a JSON array, a line each (-o ndjson), or a table. Exit 0 when every\n"
        "request was answered 2xx, else the worst of 4 (no answer), 6 (3xx/4xx), 7 (5xx).\n"
        "Events: on_call_incoming, on_missed_call, on_message_sent, on_room_deleted (Kaleyra), telephony_push (Webex).");
    on_run(*command, context, [o](Context& c) { return run_send_webhook(*o, c); });
}

}  // namespace callctl::cli
