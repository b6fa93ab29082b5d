// callctl webex-webhook create|list|delete: the org's telephony_push firehose
// on the Webex REST API (callctl(1), "webex-webhook").
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app.hpp"
#include "callctl/api/webex.hpp"
#include "callctl/output/json.hpp"
#include "callctl/output/table.hpp"
#include "callctl/util/fs.hpp"
#include "callctl/webhook/send_webhook.hpp"
#include "choices.hpp"
#include "setting_options.hpp"

namespace callctl::cli {

namespace {

struct WebexWebhookOptions {
    std::string target_url;
    std::string name{api::webex_default_webhook_name};
    std::string secret_file;
    std::string id;
};

// What every subcommand needs: the base URL, the token, a way to send.
struct WebexCall {
    std::string base_url;
    std::string token;
    api::WebexSend send;
};

Result<WebexCall> webex_call(Context& context) {
    auto session = context.session();
    if (!session) return session.error();
    const config::Settings& settings = (*session)->settings();
    WebexCall call;
    call.base_url = settings.text("webex_url");
    const auto& token = settings.value("webex_token");
    if (token.source != config::Source::none) {
        call.token = token.text;
    } else if (settings.dry_run) {
        call.token = "dry-run-token";  // printed as $CALLCTL_WEBEX_TOKEN anyway
    } else {
        return make_error(ExitCode::auth, "no Webex access token",
                          "give an org admin's token in --webex-token-file FILE or CALLCTL_WEBEX_TOKEN");
    }
    http::Client& client = (*session)->client();
    call.send = [&client](const http::Request& request) { return client.send(request); };
    return call;
}

std::string text_of(const api::WebexJson& object, const char* key) {
    if (!object.is_object() || !object.contains(key)) return "-";
    return output::cell_text(nlohmann::json(object[key]));
}

std::string render_webhook(const api::WebexJson& webhook, std::size_t width, output::Style style) {
    std::vector<std::pair<std::string, std::string>> fields;
    for (const auto& [label, key] : std::vector<std::pair<const char*, const char*>>{
             {"Id", "id"}, {"Name", "name"}, {"Target URL", "targetUrl"}, {"Resource", "resource"}, {"Event", "event"},
             {"Filter", "filter"}, {"Owned by", "ownedBy"}, {"Status", "status"}, {"Secret", "secret"},
             {"Org", "orgId"}, {"Created by", "createdBy"}, {"Created", "created"}}) {
        if (webhook.contains(key)) fields.emplace_back(label, text_of(webhook, key));
    }
    return output::render_fields(fields, width, style);
}

Status run_create(const WebexWebhookOptions& o, Context& context) {
    if (auto ok = webhook::check_target_url(o.target_url); !ok) {
        return make_error(ExitCode::usage, fmt::format("--target-url must be an http:// or https:// URL, got '{}'", o.target_url),
                          "the URL Webex will POST each telephony_push webhook to, e.g. https://example.com/webex");
    }
    if (o.name.empty()) return make_error(ExitCode::usage, "--name must not be empty");
    api::WebexWebhookSpec spec;
    spec.name = o.name;
    spec.target_url = o.target_url;
    auto call = webex_call(context);
    if (!call) return call.error();
    if (!o.secret_file.empty()) {
        auto secret = util::read_secret_file(o.secret_file);
        if (!secret) return secret.error();
        if (secret->empty()) {
            return make_error(ExitCode::bad_input, fmt::format("--secret-file {} is empty", o.secret_file),
                              "write the webhook secret into it (e.g. `openssl rand -hex 32 > FILE`)");
        }
        spec.secret = std::move(*secret);
    } else if (const auto& env = (*context.settings())->value("webex_secret"); env.source != config::Source::none) {
        spec.secret = env.text;
    } else {
        context.warn("no --secret-file: Webex will not sign this webhook's deliveries (X-Spark-Signature), so a receiver "
                     "cannot tell them from forgeries");
    }
    auto created = api::webex_create_webhook(call->send, call->base_url, call->token, spec);
    if (!created) return created.error();
    Printer& out = context.out();
    if (out.quiet()) {
        out.line(text_of(*created, "id"));
    } else if (out.is_table()) {
        out.text(render_webhook(*created, out.width(), out.style()));
    } else {
        out.json(*created);
    }
    return {};
}

Status run_list(Context& context) {
    auto call = webex_call(context);
    if (!call) return call.error();
    auto webhooks = api::webex_list_webhooks(call->send, call->base_url, call->token);
    if (!webhooks) return webhooks.error();
    Printer& out = context.out();
    if (out.is_table()) {
        output::Table table({"ID", "NAME", "RESOURCE", "EVENT", "STATUS", "TARGET URL", "CREATED"});
        table.set_keep(0);
        for (const auto& w : *webhooks) {
            table.add_row({text_of(w, "id"), text_of(w, "name"), text_of(w, "resource"), text_of(w, "event"),
                           text_of(w, "status"), text_of(w, "targetUrl"), text_of(w, "created")});
        }
        out.text(table.render(out.width(), out.style()));
    } else if (out.format() == config::OutputFormat::ndjson) {
        for (const auto& w : *webhooks) out.json(w);
    } else {
        out.json(api::WebexJson(*webhooks));
    }
    return {};
}

Status run_delete(const WebexWebhookOptions& o, Context& context) {
    if (o.id.empty()) return make_error(ExitCode::usage, "webex-webhook delete needs the webhook's ID");
    auto call = webex_call(context);
    if (!call) return call.error();
    if (auto deleted = api::webex_delete_webhook(call->send, call->base_url, call->token, o.id); !deleted) return deleted;
    Printer& out = context.out();
    if (out.quiet()) return {};
    if (out.is_table()) {
        out.line(fmt::format("deleted {}", o.id));
    } else {
        out.json(api::WebexJson{{"id", o.id}, {"deleted", true}});
    }
    return {};
}

}  // namespace

void register_webex_webhook(CLI::App& app, Context& context) {
    auto o = std::make_shared<WebexWebhookOptions>();
    CLI::App* command = app.add_subcommand("webex-webhook", "The org's Webex telephony_push webhook: create, list, delete");
    command->require_subcommand(1);

    CLI::App* create = command->add_subcommand("create", "POST /v1/webhooks: the org's telephony_push firehose to a URL");
    create->add_option("--target-url", o->target_url, "Where Webex POSTs each telephony_push webhook")->required()->option_text("URL");
    create->add_option("--name", o->name, fmt::format("The webhook's name (default '{}')", api::webex_default_webhook_name))
        ->option_text("NAME");
    completes_files(create->add_option("--secret-file", o->secret_file,
                                       "The secret Webex signs deliveries with (X-Spark-Signature) [env: CALLCTL_WEBEX_SECRET]"))
        ->option_text("FILE");
    on_run(*create, context, [o](Context& c) { return run_create(*o, c); });

    CLI::App* list = command->add_subcommand("list", "GET /v1/webhooks, every page");
    on_run(*list, context, [](Context& c) { return run_list(c); });

    CLI::App* remove = command->add_subcommand("delete", "DELETE /v1/webhooks/ID");
    remove->add_option("ID", o->id, "The webhook's id (as create or list show it)")->required();
    on_run(*remove, context, [o](Context& c) { return run_delete(*o, c); });

    for (CLI::App* sub : {create, list, remove}) add_setting_options(*sub, context.flags, {"webex_url", "webex_token"});
    command->footer(
        "Bearer: an org admin's Webex access token (--webex-token-file FILE or CALLCTL_WEBEX_TOKEN). The secret\n"
        "Webex echoes back is shown as \"***\". Exit: 5 for 401/403, 6 for other 4xx (404: no such webhook), 7 for 5xx.");
}

}  // namespace callctl::cli
