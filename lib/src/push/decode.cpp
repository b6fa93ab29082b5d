// The decode pipeline: parse → unwrap → detect → (verify) → vendor decoder.
#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "callctl/crypto/crypto.hpp"
#include "callctl/push/signature.hpp"
#include "callctl/util/strings.hpp"
#include "callctl/util/time.hpp"
#include "push/push_internal.hpp"

namespace callctl::push {

namespace detail {

const std::string* string_member(const Json& object, std::string_view key) {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) return nullptr;
    return it->get_ptr<const std::string*>();
}

void copy_if_present(const Json& object, std::string_view key, Json& out, std::string_view out_key) {
    if (!object.is_object()) return;
    if (const auto it = object.find(key); it != object.end()) out[std::string(out_key)] = *it;
}

std::string iso8601_utc(long long seconds) { return util::format_iso8601(seconds); }

std::string iso8601_utc_millis(long long milliseconds) { return util::format_iso8601_ms(milliseconds); }

Json parse_embedded(std::string_view text) {
    if (json_nesting(text) > max_json_nesting) return Json(Json::value_t::discarded);
    return Json::parse(text, nullptr, /*allow_exceptions=*/false);
}

Result<Json> parse_json(std::string_view text, std::string_view what) {
    if (json_nesting(text) > max_json_nesting) {
        return make_error(ExitCode::bad_input, fmt::format("{} nests deeper than {} levels", what, max_json_nesting));
    }
    try {
        return Json::parse(text);
    } catch (const Json::parse_error& e) {
        // nlohmann says "[json.exception.parse_error.101] parse error at line 1,
        // column 2: <reason>; last read: '<input>'": keep the reason, drop the
        // echo of the input, and give the byte offset.
        std::string_view message = e.what();
        if (const auto column = message.find("column "); column != std::string_view::npos) {
            if (const auto colon = message.find(": ", column); colon != std::string_view::npos) {
                message.remove_prefix(colon + 2);
            }
        }
        if (const auto echo = message.find("; last read"); echo != std::string_view::npos) message = message.substr(0, echo);
        return make_error(ExitCode::bad_input, fmt::format("{} is not JSON: {} (at byte {})", what, message, e.byte));
    } catch (const Json::exception& e) {
        return make_error(ExitCode::bad_input, fmt::format("{} is not JSON: {}", what, e.what()));
    }
}

bool is_intercom(const Json& data) {
    const auto* type = string_member(data, "type");
    return type != nullptr && util::starts_with(*type, "Call.") && data.contains("iotDeviceId");
}

bool is_kaleyra(const Json& data) {
    const auto* event = string_member(data, "event");
    if (event != nullptr && util::starts_with(*event, "on_")) return true;
    return data.is_object() && data.contains("event_version") && data.contains("namespace");
}

bool is_webex(const Json& data) {
    const auto* resource = string_member(data, "resource");
    return resource != nullptr && *resource == "telephony_push";
}

}  // namespace detail

using namespace detail;

std::string_view to_string(Vendor vendor) {
    switch (vendor) {
    case Vendor::auto_detect: return "auto";
    case Vendor::intercom: return "intercom";
    case Vendor::kaleyra: return "kaleyra";
    case Vendor::webex: return "webex";
    }
    return "auto";
}

Result<Vendor> parse_vendor(std::string_view text) {
    const std::string name = util::to_lower(util::trim(text));
    if (name == "auto") return Vendor::auto_detect;
    if (name == "intercom") return Vendor::intercom;
    if (name == "kaleyra" || name == "bandyer") return Vendor::kaleyra;
    if (name == "webex") return Vendor::webex;
    return make_error(ExitCode::usage, fmt::format("unknown push vendor '{}' (expected auto, intercom, kaleyra or webex)", text));
}

Result<Extract> parse_extract(std::string_view text) {
    const std::string name = util::to_lower(util::trim(text));
    if (name == "fcm") return Extract::fcm;
    if (name == "apns") return Extract::apns;
    return make_error(ExitCode::usage, fmt::format("unknown --extract value '{}' (expected fcm or apns)", text));
}

Result<Vendor> detect(const Json& data) {
    if (is_intercom(data)) return Vendor::intercom;
    if (is_webex(data)) return Vendor::webex;
    if (is_kaleyra(data)) return Vendor::kaleyra;
    return make_error(ExitCode::bad_input, "unknown push payload: cannot tell the vendor (use --vendor)");
}

Json stream_error(const Error& error, std::size_t line_number) {
    Json out;
    out["error"] = error.message;
    out["exit_code"] = to_int(error.code);
    out["line"] = line_number;
    return out;
}

namespace detail {

Result<Json> parse_and_unwrap(std::string_view raw_payload) {
    if (util::trim(raw_payload).empty()) return make_error(ExitCode::bad_input, "push payload is empty");
    auto parsed = parse_json(raw_payload, "push payload");
    if (!parsed) return std::move(parsed).error();
    return unwrap(std::move(*parsed));
}

Json signature_json(const SignatureCheck& check) {
    Json out = {{"verified", true}, {"scheme", check.scheme}};
    if (check.signed_at) {
        out["signed_at"] = check.t_in_millis ? iso8601_utc_millis(*check.signed_at_ms) : iso8601_utc(*check.signed_at);
    }
    return out;
}

void warn_if_replayed(const SignatureCheck& check, const DecodeOptions& options, Decoded& result) {
    if (!check.signed_at || options.signature_tolerance.count() > 0) return;  // with a tolerance, decode() refused it
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(options.now.time_since_epoch()).count();
    const long long age = now - *check.signed_at;
    // A valid signature on an old body is how a replay looks; recorded bodies
    // are old by nature, so this is a warning unless --tolerance asks for more.
    if (age > 300 || age < -300) {
        result.warnings.push_back(fmt::format("the signature was made {} s {} now: check for a replayed webhook (--tolerance SEC refuses it)",
                                              age < 0 ? -age : age, age < 0 ? "after" : "before"));
    }
}

}  // namespace detail

namespace {

Status check_signature_options(const DecodeOptions& options) {
    if (options.signature_header.has_value() != options.signature_secret.has_value()) {
        return make_error(ExitCode::usage, options.signature_header ? "--signature needs --secret-file"
                                                                    : "--secret-file needs --signature");
    }
    return {};
}

}  // namespace

Result<Decoded> decode(std::string_view raw_payload, const DecodeOptions& options) {
    if (auto ok = check_signature_options(options); !ok) return std::move(ok).error();
    if (options.key && options.key->size() != crypto::aes_key_size) {
        return make_error(ExitCode::bad_input,
                          fmt::format("push key must be 32 bytes (64 hex digits or base64), got {} bytes", options.key->size()));
    }
    auto data = parse_and_unwrap(raw_payload);
    if (!data) return std::move(data).error();

    Vendor vendor = options.vendor;
    if (vendor == Vendor::auto_detect) {
        auto detected = detect(*data);
        if (!detected) return std::move(detected).error();
        vendor = *detected;
    }
    if (options.extract != Extract::none && vendor != Vendor::webex) {
        return make_error(ExitCode::usage, fmt::format("--extract applies to Webex pushes only, this is {}", to_string(vendor)));
    }
    std::optional<SignatureCheck> signature;
    if (options.signature_header) {
        // Over the raw bytes, not the parsed body: any change must break it.
        auto verified = verify_signature(vendor, *options.signature_header, *options.signature_secret, raw_payload,
                                         options.signature_tolerance, options.now);
        if (!verified) return std::move(verified).error();
        signature = std::move(*verified);
    }

    switch (vendor) {
    case Vendor::intercom: return decode_intercom(std::move(*data), options);
    case Vendor::webex: return decode_webex(std::move(*data), raw_payload, options, signature);
    case Vendor::kaleyra: return decode_kaleyra(std::move(*data), options, signature);
    case Vendor::auto_detect: break;
    }
    return make_error(ExitCode::internal, "push vendor left undecided");
}

std::optional<std::string> find_iot_device_id(std::string_view raw_payload) {
    auto data = parse_and_unwrap(raw_payload);
    if (!data) return std::nullopt;
    const auto it = data->find("iotDeviceId");
    if (it == data->end()) return std::nullopt;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number_integer()) return it->dump();  // GraphQL IDs may be sent as numbers
    return std::nullopt;
}

}  // namespace callctl::push
