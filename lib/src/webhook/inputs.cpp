// What send-webhook sends: one body, the requests of a `listen --record`
// file, or a built-in example (callctl/webhook/send_webhook.hpp).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "callctl/crypto/crypto.hpp"
#include "callctl/push/signature.hpp"
#include "callctl/util/fs.hpp"
#include "callctl/util/lines.hpp"
#include "callctl/util/strings.hpp"
#include "callctl/webhook/send_webhook.hpp"
#include "push/push_internal.hpp"

namespace callctl::webhook {

namespace {

// Recorded headers a replay does not send again: made afresh (Host,
// Content-Length, the signatures), or about the recorded connection only
// (hop-by-hop, RFC 9110 7.6.1; Expect belongs to the original transfer).
constexpr std::array<std::string_view, 14> dropped_headers = {
    "host",    "content-length", "bandyer-signature", "room-id-hmac",        "x-spark-signature",
    "connection", "keep-alive",  "transfer-encoding", "te",                  "trailer",
    "upgrade", "expect",         "proxy-connection",  "proxy-authorization"};

bool is_token_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string where(const InputOptions& options, std::size_t line) {
    return line == 0 ? options.origin : fmt::format("{} line {}", options.origin, line);
}

Error too_big(const InputOptions& options, std::size_t line, std::size_t size) {
    return make_error(ExitCode::bad_input, fmt::format("{}: the body is {} bytes, more than the {} bytes (1 MiB) a webhook may be",
                                                       where(options, line), size, max_body_bytes));
}

bool is_record_line(const Json& value) {
    return value.is_object() && value.contains("received_at") && value.contains("method") && value.contains("headers") &&
           (value.contains("body") || value.contains("body_base64") || value.contains("body_omitted"));
}

const std::string* string_at(const Json& object, std::string_view key) { return push::detail::string_member(object, key); }

// The vendor a body belongs to, by its markers; auto_detect when none fits.
push::Vendor vendor_of(const Json& body) {
    if (!body.is_object()) return push::Vendor::auto_detect;
    if (push::detail::is_webex(body)) return push::Vendor::webex;
    if (push::detail::is_kaleyra(body)) return push::Vendor::kaleyra;
    if (push::detail::is_intercom(body)) return push::Vendor::intercom;
    return push::Vendor::auto_detect;
}

std::string event_of(const Json& body, push::Vendor vendor) {
    if (!body.is_object()) return {};
    const std::string* name = string_at(body, vendor == push::Vendor::webex ? "resource" : "event");
    return name != nullptr ? *name : std::string();
}

// --set on a body: it must be a JSON object; the result is sent compact.
Status apply_all(std::string& raw, Json& body, const InputOptions& options) {
    if (options.assignments.empty()) return {};
    for (const auto& assignment : options.assignments) {
        if (auto applied = apply_assignment(body, assignment); !applied) return applied;
    }
    raw = body.dump(-1, ' ', false, Json::error_handler_t::replace);
    return {};
}

// One lone body (not a record): it must be a Kaleyra or Webex webhook unless
// --vendor says which it is (then it need not even be JSON, without --set).
Result<Webhook> body_input(std::string raw, const InputOptions& options) {
    if (raw.size() > max_body_bytes) return too_big(options, 0, raw.size());
    Json body;
    const bool need_json = options.vendor == push::Vendor::auto_detect || !options.assignments.empty();
    if (need_json) {
        auto parsed = push::detail::parse_json(raw, options.origin);
        if (!parsed) return parsed.error();
        body = std::move(*parsed);
    } else {
        body = push::detail::parse_embedded(raw);
    }
    if (auto applied = apply_all(raw, body, options); !applied) return applied.error();
    Webhook webhook;
    webhook.vendor = options.vendor != push::Vendor::auto_detect ? options.vendor : vendor_of(body);
    if (webhook.vendor == push::Vendor::intercom) {
        return make_error(ExitCode::bad_input, fmt::format("{} is an intercom push, not a webhook", options.origin),
                          "send-webhook signs Kaleyra and Webex webhooks; an intercom push goes to phones (send-push)");
    }
    if (webhook.vendor == push::Vendor::auto_detect) {
        return make_error(ExitCode::bad_input, fmt::format("{} is not a Kaleyra or Webex webhook", options.origin),
                          "a Kaleyra webhook has an \"event\" (on_call_incoming, ...), a Webex one \"resource\":"
                          "\"telephony_push\"; --vendor kaleyra|webex signs any body");
    }
    webhook.event = event_of(body, webhook.vendor);
    webhook.body = std::move(raw);
    return webhook;
}

std::optional<KaleyraScheme> recorded_scheme(const std::vector<http::Header>& all_headers) {
    for (const auto& header : all_headers) {
        if (header.name == push::kaleyra_signature_header) {
            // t=<digits>,...: milliseconds from 10^11 on, as push/signature.hpp reads it.
            const auto t = header.value.find("t=");
            if (t == std::string::npos) return KaleyraScheme::v1;
            long long value = 0;
            for (std::size_t i = t + 2; i < header.value.size() && header.value[i] >= '0' && header.value[i] <= '9'; ++i) {
                value = std::min(value * 10 + (header.value[i] - '0'), push::kaleyra_millis_threshold);
            }
            return value >= push::kaleyra_millis_threshold ? KaleyraScheme::v1_millis : KaleyraScheme::v1;
        }
    }
    for (const auto& header : all_headers) {
        if (header.name == push::kaleyra_room_hmac_header) return KaleyraScheme::v0;
    }
    return std::nullopt;
}

// The vendor the signature headers name, for a body that does not say.
push::Vendor vendor_of_headers(const std::vector<http::Header>& all_headers) {
    for (const auto& header : all_headers) {
        if (header.name == push::kaleyra_signature_header || header.name == push::kaleyra_room_hmac_header) {
            return push::Vendor::kaleyra;
        }
        if (util::iequals(header.name, push::webex_signature_header)) return push::Vendor::webex;
    }
    return push::Vendor::auto_detect;
}

// One record line: the request to send again, nullopt (and a note) when it
// is not one to replay, or an Error when the line is malformed.
Result<std::optional<Webhook>> record_input(const Json& line_json, std::size_t line, const InputOptions& options,
                                            std::vector<std::string>& notes) {
    const std::string at = where(options, line);
    auto malformed = [&](std::string_view why) {
        return make_error(ExitCode::bad_input, fmt::format("{}: not a listen --record line: {}", at, why));
    };
    if (!is_record_line(line_json)) return malformed("it needs received_at, method, headers and body (or body_base64)");
    const std::string* method = string_at(line_json, "method");
    if (method == nullptr) return malformed("method is not a string");
    const auto& headers_json = line_json.at("headers");
    if (!headers_json.is_object()) return malformed("headers is not an object");
    const auto status = line_json.find("status");
    const std::string answered =
        status != line_json.end() && status->is_number_integer() ? fmt::format(" (listen answered it {})", status->get<long long>()) : "";

    if (*method != "POST") {
        notes.push_back(fmt::format("{}: a {} request{}: skipped, webhooks are POSTs", at, *method, answered));
        return std::optional<Webhook>();
    }
    if (line_json.contains("body_omitted")) {
        notes.push_back(fmt::format("{}: its body was not recorded{}: skipped", at, answered));
        return std::optional<Webhook>();
    }
    std::string raw;
    if (const std::string* body = string_at(line_json, "body")) {
        raw = *body;
    } else if (const std::string* encoded = string_at(line_json, "body_base64")) {
        auto decoded = crypto::base64_decode(*encoded);
        if (!decoded) return malformed("body_base64 is not base64");
        raw = std::move(*decoded);
    } else {
        return malformed("body is not a string");
    }
    if (raw.size() > max_body_bytes) return too_big(options, line, raw.size());

    std::vector<http::Header> all_headers;
    for (const auto& [name, value] : headers_json.items()) {
        if (!value.is_string()) return malformed(fmt::format("header {} is not a string", name));
        const auto& text = value.get_ref<const std::string&>();
        if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) {
            return malformed(fmt::format("'{}' is not a header name", name));
        }
        if (text.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
            return malformed(fmt::format("header {} holds a line break or NUL", name));
        }
        all_headers.push_back({util::to_lower(name), text});
    }

    Webhook webhook;
    webhook.line = line;
    webhook.recorded_scheme = recorded_scheme(all_headers);
    for (auto& header : all_headers) {
        if (std::find(dropped_headers.begin(), dropped_headers.end(), header.name) == dropped_headers.end()) {
            webhook.headers.push_back(std::move(header));
        }
    }

    Json body = push::detail::parse_embedded(raw);
    if (!options.assignments.empty()) {
        if (body.is_discarded()) return make_error(ExitCode::bad_input, fmt::format("{}: --set needs a JSON body, and it is not JSON", at));
        if (auto applied = apply_all(raw, body, options); !applied) return applied.error();
    }
    webhook.vendor = options.vendor;
    if (webhook.vendor == push::Vendor::auto_detect) webhook.vendor = vendor_of(body);
    if (webhook.vendor == push::Vendor::auto_detect) webhook.vendor = vendor_of_headers(all_headers);
    if (webhook.vendor != push::Vendor::kaleyra && webhook.vendor != push::Vendor::webex) {
        notes.push_back(fmt::format("{}: {}{}: skipped (--vendor kaleyra|webex sends it anyway)", at,
                                    body.is_discarded() ? "the body is not JSON" : "not a Kaleyra or Webex webhook", answered));
        return std::optional<Webhook>();
    }
    webhook.event = event_of(body, webhook.vendor);
    webhook.body = std::move(raw);
    return std::optional<Webhook>(std::move(webhook));
}

Result<Inputs> record_inputs(std::string_view content, const InputOptions& options) {
    Inputs inputs;
    inputs.from_record = true;
    std::size_t line = 0;
    std::size_t start = 0;
    while (start < content.size()) {
        const std::size_t end = std::min(content.find('\n', start), content.size());
        const std::string_view text = util::trim(content.substr(start, end - start));
        ++line;
        if (end - start > util::line_limit) {
            return make_error(ExitCode::bad_input, fmt::format("{}: {}", options.origin, util::long_line_text(line)));
        }
        start = end + 1;
        if (text.empty()) continue;
        auto parsed = push::detail::parse_json(text, where(options, line));
        if (!parsed) return parsed.error();
        auto webhook = record_input(*parsed, line, options, inputs.notes);
        if (!webhook) return webhook.error();
        if (*webhook) inputs.webhooks.push_back(std::move(**webhook));
    }
    if (inputs.webhooks.empty()) {
        return make_error(ExitCode::bad_input, fmt::format("{}: no request in the record to replay ({} skipped)", options.origin,
                                                           inputs.notes.size()));
    }
    return inputs;
}

}  // namespace

// The program's one file reader, with this command's limit.
Result<std::string> read_input(const std::string& path, std::size_t limit) { return util::read_file(path, limit); }

Result<Inputs> read_inputs(std::string_view content, const InputOptions& options) {
    if (util::trim(content).empty()) return make_error(ExitCode::bad_input, fmt::format("{} is empty", options.origin));
    // One JSON document: a body, or a record of one line.
    const Json whole = push::detail::parse_embedded(content);
    if (!whole.is_discarded() && !is_record_line(whole)) {
        auto webhook = body_input(std::string(content), options);
        if (!webhook) return webhook.error();
        Inputs inputs;
        inputs.webhooks.push_back(std::move(*webhook));
        return inputs;
    }
    const std::string_view first_line = util::trim(content.substr(0, content.find('\n')));
    if (is_record_line(push::detail::parse_embedded(first_line))) return record_inputs(content, options);
    // Neither: say why it is not JSON (or sign it as it is, given --vendor).
    auto webhook = body_input(std::string(content), options);
    if (!webhook) return webhook.error();
    Inputs inputs;
    inputs.webhooks.push_back(std::move(*webhook));
    return inputs;
}

Result<Webhook> example_input(std::string_view event, const ExampleParams& params, const InputOptions& options) {
    auto body = example_webhook(event, params);
    if (!body) return body.error();
    InputOptions named = options;
    named.origin = fmt::format("the {} example", event);
    named.vendor = find_example_event(event)->vendor;
    std::string raw = body->dump();
    if (auto applied = apply_all(raw, *body, named); !applied) return applied.error();
    Webhook webhook;
    webhook.vendor = named.vendor;
    webhook.event = event_of(*body, webhook.vendor);
    webhook.body = std::move(raw);
    return webhook;
}

}  // namespace callctl::webhook
