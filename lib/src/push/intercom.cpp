// Intercom pushes (callctl(1), WIRE FORMATS, "Intercom push": a convention): credentials sealed with
// AES-256-CBC as base64(IV || ciphertext) in "video" and "audio".
#include <chrono>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "callctl/crypto/crypto.hpp"
#include "callctl/crypto/jwt.hpp"
#include "callctl/util/time.hpp"
#include "push/push_internal.hpp"

namespace callctl::push::detail {

namespace {

constexpr std::string_view no_key_hint = "no key (use --key-file or CALLCTL_PUSH_KEY)";

std::string_view event_name(std::string_view vendor_event) {
    if (vendor_event == "Call.Incoming") return "call.incoming";
    if (vendor_event == "Call.StopIncoming") return "call.stop";
    return vendor_event;
}

// The JWT's parts are parsed without a depth limit and the result is dumped
// recursively: a part nesting deeper than max_json_nesting is refused first.
bool jwt_nests_too_deep(std::string_view token) {
    std::size_t from = 0;
    for (int part = 0; part < 2; ++part) {
        const std::size_t dot = token.find('.', from);
        if (dot == std::string_view::npos) return false;
        auto bytes = crypto::base64_decode(token.substr(from, dot - from));
        if (bytes && json_nesting(*bytes) > max_json_nesting) return true;
        from = dot + 1;
    }
    return false;
}

// {"verified":false, header, claims, expires_at, expired}: decoded for
// reading only, the signing key is the vendor's.
std::optional<Json> describe_jwt(std::string_view token, std::chrono::system_clock::time_point now) {
    if (jwt_nests_too_deep(token)) return std::nullopt;
    auto jwt = crypto::decode_jwt_ordered(token);
    if (!jwt) return std::nullopt;
    Json out;
    out["verified"] = false;
    const auto exp = jwt->claims.find("exp");
    std::optional<double> expires;
    std::optional<std::int64_t> expires_at;
    if (exp != jwt->claims.end() && exp->is_number()) {
        expires = exp->get<double>();
        // json_seconds floors and saturates: an exp of 1e300 is a far future,
        // not a float-to-integer conversion out of range (undefined behaviour).
        expires_at = util::json_seconds(*exp);
    }
    out["header"] = std::move(jwt->header);
    out["claims"] = std::move(jwt->claims);
    if (expires && expires_at) {
        const auto now_seconds = std::chrono::duration<double>(now.time_since_epoch()).count();
        out["expires_at"] = iso8601_utc(*expires_at);
        out["expired"] = now_seconds >= *expires;
    }
    return out;
}

struct FieldResult {
    Json value;
    bool stayed_encrypted = false;
};

// One credential field: decrypted JSON, a marker when there is no key, or the
// plaintext object as sent (test pushes sometimes skip encryption).
Result<FieldResult> open_field(std::string_view name, const Json& field, const DecodeOptions& options) {
    if (field.is_object()) return FieldResult{field, false};
    if (!field.is_string()) {
        return make_error(ExitCode::bad_input, fmt::format("intercom push: \"{}\" must be a base64 string, got {}", name,
                                                           field.type_name()));
    }
    const auto& sealed = field.get_ref<const std::string&>();
    if (!options.key) {
        auto blob = crypto::base64_decode(sealed);
        if (!blob) return make_error(ExitCode::push_crypto, fmt::format("cannot read {}: {}", name, blob.error().message));
        Json marker;
        marker["encrypted"] = true;
        marker["ciphertext_bytes"] = blob->size() > crypto::aes_block_size ? blob->size() - crypto::aes_block_size : 0;
        return FieldResult{std::move(marker), true};
    }
    auto plaintext = crypto::open(*options.key, sealed);
    if (!plaintext) return make_error(plaintext.error().code, fmt::format("cannot decrypt {}: {}", name, plaintext.error().message));
    // Well-formed but hostile: input (3), not a wrong key.
    if (json_nesting(*plaintext) > max_json_nesting) {
        return make_error(ExitCode::bad_input,
                          fmt::format("{} decrypts to JSON nested deeper than {} levels", name, max_json_nesting));
    }
    // Bad padding passes by chance once in ~256 wrong keys; garbage that is
    // not a JSON object is the same failure and must not be shown.
    Json value = parse_embedded(*plaintext);
    if (!value.is_object()) {
        return make_error(ExitCode::push_crypto, fmt::format("cannot decrypt {}: wrong key or corrupted payload", name));
    }
    return FieldResult{std::move(value), false};
}

}  // namespace

Result<Decoded> decode_intercom(Json data, const DecodeOptions& options) {
    const auto* type = string_member(data, "type");
    if (type == nullptr) return make_error(ExitCode::bad_input, "not an intercom push: \"type\" is missing or not a string");
    const auto device = data.find("iotDeviceId");
    if (device == data.end() || !(device->is_string() || device->is_number_integer())) {
        return make_error(ExitCode::bad_input, "intercom push: \"iotDeviceId\" is missing or not a string");
    }

    Decoded result;
    Json& out = result.normalized;
    out["vendor"] = "intercom";
    out["event"] = event_name(*type);
    out["vendor_event"] = *type;
    out["iot_device_id"] = *device;
    copy_if_present(data, "callId", out, "call_id");

    std::vector<std::string_view> encrypted;
    for (const std::string_view name : {"video", "audio"}) {
        const auto it = data.find(name);
        if (it == data.end() || it->is_null()) continue;
        auto field = open_field(name, *it, options);
        if (!field) return std::move(field).error();
        if (field->stayed_encrypted) encrypted.push_back(name);
        if (name == "audio" && !field->stayed_encrypted) {
            if (const auto* token = string_member(field->value, "jsonWebToken")) {
                if (auto jwt = describe_jwt(*token, options.now)) {
                    field->value["jwt"] = std::move(*jwt);
                } else {
                    result.warnings.emplace_back("audio.jsonWebToken is not a decodable JWT");
                }
            }
        }
        out[std::string(name)] = std::move(field->value);
    }

    Json extra = Json::object();
    for (auto it = data.begin(); it != data.end(); ++it) {
        const auto& key = it.key();
        if (key != "type" && key != "iotDeviceId" && key != "callId" && key != "video" && key != "audio") extra[key] = std::move(*it);
    }
    if (!extra.empty()) out["extra"] = std::move(extra);

    if (!encrypted.empty()) {
        result.warnings.push_back(fmt::format("{} stayed encrypted: {}", fmt::join(encrypted, ", "), no_key_hint));
        if (options.require_decrypt) result.status = ExitCode::push_crypto;
    }
    return result;
}

}  // namespace callctl::push::detail
