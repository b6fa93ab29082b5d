// send-webhook's requests and results: signatures made afresh through
// push/signature.hpp, one POST each, what each answer means
// (callctl/webhook/send_webhook.hpp).
#include <algorithm>

#include <fmt/format.h>

#include "callctl/api/errors.hpp"
#include "callctl/api/kaleyra.hpp"
#include "callctl/api/session.hpp"
#include "callctl/push/signature.hpp"
#include "callctl/util/strings.hpp"
#include "callctl/webhook/send_webhook.hpp"
#include "push/push_internal.hpp"

namespace callctl::webhook {

namespace {

constexpr std::string_view kaleyra_key_env = api::kaleyra_api_key_env;
constexpr const char* webex_secret_env = "CALLCTL_WEBEX_SECRET";

KaleyraScheme scheme_for(const Webhook& webhook, const SignOptions& options) {
    return options.kaleyra_scheme.value_or(webhook.recorded_scheme.value_or(KaleyraScheme::v1));
}

// What room-id-hmac covers: room_id at the top (v0 bodies), else in data (v1).
std::optional<std::string> room_id_of(std::string_view body) {
    const Json parsed = push::detail::parse_embedded(body);
    if (!parsed.is_object()) return std::nullopt;
    if (const auto* room = push::detail::string_member(parsed, "room_id")) return *room;
    const auto data = parsed.find("data");
    if (data != parsed.end() && data->is_object()) {
        if (const auto* room = push::detail::string_member(*data, "room_id")) return *room;
    }
    return std::nullopt;
}

std::string where(const Webhook& webhook) {
    return webhook.line == 0 ? std::string("the body") : fmt::format("record line {}", webhook.line);
}

}  // namespace

Result<KaleyraScheme> parse_kaleyra_scheme(std::string_view text) {
    const std::string name = util::to_lower(text);
    if (name == "v1") return KaleyraScheme::v1;
    if (name == "v1-ms") return KaleyraScheme::v1_millis;
    if (name == "v0") return KaleyraScheme::v0;
    return make_error(ExitCode::usage, fmt::format("--kaleyra-signature must be v1, v1-ms or v0, got '{}'", text));
}

std::string_view to_string(KaleyraScheme scheme) { return scheme == KaleyraScheme::v0 ? "kaleyra-v0" : "kaleyra-v1"; }

Status check_signable(const std::vector<Webhook>& webhooks, const SignOptions& options) {
    if (options.unsigned_requests) return {};
    for (const auto& webhook : webhooks) {
        if (webhook.vendor == push::Vendor::kaleyra) {
            if (!options.kaleyra_api_key) {
                return make_error(ExitCode::auth, "no Kaleyra API key to sign the webhook with",
                                  fmt::format("give --kaleyra-key-file FILE or {} (the key itself), or --unsigned to send "
                                              "it without a signature",
                                              kaleyra_key_env));
            }
            if (scheme_for(webhook, options) == KaleyraScheme::v0 && !room_id_of(webhook.body)) {
                return make_error(ExitCode::bad_input,
                                  fmt::format("{} has no room_id for a v0 signature (room-id-hmac signs the room id)", where(webhook)),
                                  "sign it with --kaleyra-signature v1");
            }
        } else if (webhook.vendor == push::Vendor::webex && !options.webex_secret) {
            return make_error(ExitCode::auth, "no Webex webhook secret to sign the webhook with",
                              fmt::format("give --webex-secret-file FILE or {} (the secret itself), or --unsigned to send it "
                                          "without a signature",
                                          webex_secret_env));
        }
    }
    return {};
}

Result<SignedRequest> signed_request(const Webhook& webhook, const std::string& to, const SignOptions& options,
                                     std::chrono::system_clock::time_point now) {
    SignedRequest out;
    http::Request& request = out.request;
    request.method = http::Method::post;
    request.url = to;
    request.body = webhook.body;
    request.replay = http::Replay::unsafe;  // a webhook is never delivered twice
    request.headers = webhook.headers;
    const bool has_type = std::any_of(request.headers.begin(), request.headers.end(),
                                      [](const http::Header& h) { return util::iequals(h.name, "content-type"); });
    if (!has_type) request.headers.insert(request.headers.begin(), {"Content-Type", "application/json"});
    out.scheme = "none";
    if (options.unsigned_requests) return out;

    if (webhook.vendor == push::Vendor::kaleyra) {
        if (!options.kaleyra_api_key) return check_signable({webhook}, options).error();
        const std::string& key = *options.kaleyra_api_key;
        request.secrets.push_back({key, std::string(kaleyra_key_env)});
        const KaleyraScheme scheme = scheme_for(webhook, options);
        out.scheme = std::string(to_string(scheme));
        if (scheme == KaleyraScheme::v0) {
            const auto room = room_id_of(webhook.body);
            if (!room) return check_signable({webhook}, options).error();
            request.headers.push_back({std::string(push::kaleyra_room_hmac_header), push::sign_kaleyra_v0(key, *room)});
        } else {
            const auto since_epoch = now.time_since_epoch();
            const long long t = scheme == KaleyraScheme::v1_millis
                                    ? std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count()
                                    : std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
            request.headers.push_back({std::string(push::kaleyra_signature_header), push::sign_kaleyra_v1(key, t, webhook.body)});
        }
    } else if (webhook.vendor == push::Vendor::webex) {
        if (!options.webex_secret) return check_signable({webhook}, options).error();
        request.secrets.push_back({*options.webex_secret, webex_secret_env});
        request.headers.push_back({std::string(push::webex_signature_header), push::sign_webex(*options.webex_secret, webhook.body)});
        out.scheme = "webex";
    }
    return out;
}

Delivery delivery_of(const Webhook& webhook, const SignedRequest& sent, const http::Outcome& outcome) {
    Delivery delivery;
    delivery.to = sent.request.url;
    delivery.vendor = webhook.vendor;
    delivery.event = webhook.event;
    delivery.signature = sent.scheme;
    delivery.line = webhook.line;
    if (!outcome) {
        const http::TransportError& failure = outcome.error();
        const Error error = api::to_error(failure, fmt::format("POST {}", http::redact_url(sent.request.url, sent.request.secrets)));
        delivery.error = error.message;
        delivery.code = error.code;
        delivery.attempts = failure.attempts;
        delivery.elapsed = failure.elapsed;
        return delivery;
    }
    const http::Response& response = *outcome;
    delivery.status = response.status;
    delivery.attempts = response.attempts;
    delivery.elapsed = response.elapsed;
    delivery.ok = response.status >= 200 && response.status < 300;
    if (!delivery.ok) {
        delivery.code = response.status >= 500 || response.status < 200 ? ExitCode::http_server : ExitCode::http_client;
        delivery.message = http::redact(api::server_message(response), sent.request.secrets);
    }
    return delivery;
}

Json to_json(const Delivery& d) {
    Json out;
    out["to"] = d.to;
    out["status"] = d.status ? Json(*d.status) : Json(nullptr);
    out["ok"] = d.ok;
    out["vendor"] = push::to_string(d.vendor);
    out["event"] = d.event;
    out["signature"] = d.signature;
    if (d.line != 0) out["line"] = d.line;
    out["attempts"] = d.attempts;
    out["elapsed_ms"] = d.elapsed.count();
    if (!d.error.empty()) out["error"] = d.error;
    if (!d.message.empty()) out["message"] = d.message;
    return out;
}

Status check_target_url(std::string_view to) {
    auto bad = [&] {
        return make_error(ExitCode::usage, fmt::format("--to must be an http:// or https:// URL, got '{}'", to),
                          "e.g. --to http://127.0.0.1:8080/webhooks (the URL `callctl listen` printed)");
    };
    std::string_view rest;
    for (std::string_view scheme : {"http://", "https://"}) {
        if (to.size() > scheme.size() && util::iequals(to.substr(0, scheme.size()), scheme)) rest = to.substr(scheme.size());
    }
    if (rest.empty() || rest.front() == '/' || rest.front() == '?' || rest.front() == '#') return bad();
    for (const char c : to) {
        if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return bad();
    }
    return {};
}

}  // namespace callctl::webhook
