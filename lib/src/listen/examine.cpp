// The request → event path of `callctl listen` (callctl(1), "listen"): one
// pure function from a request to an answer and, when accepted, its line.
#include <fmt/format.h>

#include "callctl/crypto/crypto.hpp"
#include "callctl/listen/listen.hpp"
#include "callctl/push/signature.hpp"
#include "callctl/util/time.hpp"
#include "listen/http_parse.hpp"
#include "push/push_internal.hpp"

namespace callctl::listen {

namespace {

// "2024-05-26T09:04:38.097Z"
std::string received_text(std::chrono::system_clock::time_point time) {
    return util::format_iso8601_ms(std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count());
}

Verdict refuse(int status, std::string reason) { return Verdict{status, std::move(reason), Json()}; }

// The signature header names which vendor signed it; the body decides when it
// can (the scheme follows the body's vendor), the header only when it cannot.
std::optional<push::Vendor> vendor_from_headers(const Request& request) {
    if (request.header("bandyer-signature") != nullptr || request.header("room-id-hmac") != nullptr) {
        return push::Vendor::kaleyra;
    }
    if (request.header("x-spark-signature") != nullptr) return push::Vendor::webex;
    return std::nullopt;
}

std::string not_a_webhook(std::string message) {
    constexpr std::string_view subject = "push payload ";
    if (message.compare(0, subject.size(), subject) == 0) {
        std::string reworded = "the body ";
        reworded.append(message, subject.size());
        message = std::move(reworded);
    }
    // decode-push's advice does not apply here: listen has no --vendor.
    constexpr std::string_view advice = " (use --vendor)";
    if (message.size() >= advice.size() && message.compare(message.size() - advice.size(), advice.size(), advice) == 0) {
        message.resize(message.size() - advice.size());
    }
    return message;
}

// Kaleyra: bandyer-signature (v1) when present, else room-id-hmac (v0).
const std::string* signature_value(const Request& request, push::Vendor vendor) {
    if (vendor == push::Vendor::webex) return request.header("x-spark-signature");
    if (const auto* v1 = request.header("bandyer-signature")) return v1;
    return request.header("room-id-hmac");
}

std::string_view signature_header_names(push::Vendor vendor) {
    return vendor == push::Vendor::webex ? "X-Spark-Signature header" : "bandyer-signature or room-id-hmac header";
}

Json request_context(const Request& request) {
    Json context = Json::object();
    context["method"] = request.method;
    context["path"] = request.target;
    context["received_at"] = received_text(request.received_at);
    if (!request.remote.empty()) context["remote"] = request.remote;
    return context;
}

}  // namespace

const std::string* Request::header(std::string_view lower_case_name) const {
    return detail::find_header(headers, lower_case_name);
}

Status check_secrets_usable(const Secrets& secrets) {
    if (secrets.kaleyra_api_key && secrets.kaleyra_api_key->empty()) {
        return make_error(ExitCode::usage, "the Kaleyra API key is empty");
    }
    if (secrets.webex_secret && secrets.webex_secret->empty()) return make_error(ExitCode::usage, "the Webex secret is empty");
    return {};
}

Verdict examine(const Request& request, const CheckOptions& options, std::chrono::system_clock::time_point now) {
    if (request.refused) return refuse(request.refused->status, request.refused->reason);
    if (request.method != "POST") return refuse(405, fmt::format("{} is not POST", request.method));
    if (request.body.size() > max_body_bytes) return refuse(413, "the body is over 1 MiB");

    push::DecodeOptions decode_options;
    decode_options.now = now;
    auto decoded = push::decode(request.body, decode_options);
    if (!decoded && decoded.error().code == ExitCode::bad_input) {
        if (const auto hint = vendor_from_headers(request)) {
            decode_options.vendor = *hint;
            if (auto again = push::decode(request.body, decode_options)) decoded = std::move(again);
        }
    }
    if (!decoded) return refuse(400, not_a_webhook(decoded.error().message));
    Json& event = decoded->normalized;
    const std::string* vendor_name = push::detail::string_member(event, "vendor");
    auto vendor = push::parse_vendor(vendor_name != nullptr ? *vendor_name : "");
    if (!vendor || *vendor == push::Vendor::intercom) {
        return refuse(400, "an intercom push is not a webhook (decode-push reads it)");
    }

    const auto& secret = *vendor == push::Vendor::kaleyra ? options.secrets.kaleyra_api_key : options.secrets.webex_secret;
    std::optional<push::SignatureCheck> signature;
    if (secret) {
        const std::string* value = signature_value(request, *vendor);
        if (value == nullptr) {
            return refuse(401, fmt::format("{} webhook with no {}", push::to_string(*vendor), signature_header_names(*vendor)));
        }
        auto checked = push::verify_signature(*vendor, *value, *secret, request.body, options.tolerance, now);
        if (!checked) return refuse(401, checked.error().message);
        signature = std::move(*checked);
    }

    event["signature"] = signature ? "verified" : "unchecked";
    if (signature) {
        // kaleyra-v0 covers the room id only, not the rest of the body: say which one it was.
        event["signature_scheme"] = signature->scheme;
        if (signature->signed_at) {  // as decode-push writes it: with milliseconds when t had them
            const std::string text = util::format_iso8601_ms(*signature->signed_at_ms);
            event["signed_at"] = signature->t_in_millis ? text : text.substr(0, text.size() - 5) + "Z";
        }
    }
    if (!decoded->warnings.empty()) event["warnings"] = decoded->warnings;
    event["request"] = request_context(request);
    return Verdict{200, {}, std::move(event)};
}

// ---------------------------------------------------------------- record

bool is_utf8(std::string_view text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* end = p + text.size();
    while (p < end) {
        const unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        std::size_t length = 0;
        std::uint32_t cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            length = 2;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            length = 3;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            length = 4;
            cp = c & 0x07u;
        } else {
            return false;  // a continuation byte, an overlong lead (C0, C1) or past F4
        }
        if (static_cast<std::size_t>(end - p) < length) return false;
        for (std::size_t i = 1; i < length; ++i) {
            if ((p[i] & 0xC0u) != 0x80u) return false;
            cp = (cp << 6) | (p[i] & 0x3Fu);
        }
        if ((length == 3 && cp < 0x800) || (length == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return false;
        if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // surrogates are not characters
        p += length;
    }
    return true;
}

std::string record_line(const Request& request, int status) {
    Json line = Json::object();
    line["received_at"] = received_text(request.received_at);
    line["method"] = request.method;
    line["path"] = request.target;
    Json headers = Json::object();
    for (const auto& h : request.headers) {
        auto it = headers.find(h.name);
        if (it == headers.end()) {
            headers[h.name] = h.value;
        } else {
            it->get_ref<std::string&>().append(", ").append(h.value);
        }
    }
    line["headers"] = std::move(headers);
    if (request.refused) {  // refused before the body was whole: what was read of it is not kept
        line["body_omitted"] = true;
    } else if (is_utf8(request.body)) {
        line["body"] = request.body;
    } else {
        line["body_base64"] = crypto::base64_encode(request.body);
    }
    line["status"] = status;
    // Header bytes outside UTF-8 (obs-text) become U+FFFD rather than fail the line.
    return line.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace callctl::listen
