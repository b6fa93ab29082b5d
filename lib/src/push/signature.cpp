// Webhook signatures of Kaleyra (v1 bandyer-signature, v0 room-id-hmac) and
// Webex (X-Spark-Signature): see callctl/push/signature.hpp.
#include "callctl/push/signature.hpp"

#include <charconv>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "callctl/crypto/crypto.hpp"
#include "callctl/util/strings.hpp"
#include "push/push_internal.hpp"

namespace callctl::push {

namespace {

constexpr std::size_t sha256_size = 32;
constexpr std::size_t sha1_size = 20;

Error malformed_kaleyra() {
    return make_error(ExitCode::usage,
                      "malformed Kaleyra signature: expected t=<unix seconds or ms>,v0=<hex HMAC-SHA256> "
                      "(bandyer-signature) or 64 hex digits (room-id-hmac)");
}

Error malformed_webex() {
    return make_error(ExitCode::usage, "malformed Webex signature: expected 40 hex digits (X-Spark-Signature, HMAC-SHA1)");
}

Error mismatch() { return make_error(ExitCode::push_crypto, "signature does not match"); }

// "bandyer-signature: t=…" → "t=…": a value pasted with its header name.
// Only the vendor's own header names are stripped; any other "name:" prefix
// is left in place and then fails as malformed.
std::string_view strip_header_name(std::string_view value, std::initializer_list<std::string_view> names) {
    value = util::trim(value);
    const auto colon = value.find(':');
    if (colon == std::string_view::npos) return value;
    const std::string_view name = util::trim(value.substr(0, colon));
    for (const std::string_view known : names) {
        if (util::iequals(name, known)) return util::trim(value.substr(colon + 1));
    }
    return value;
}

// A MAC written in hex, of exactly `size` bytes; nullopt otherwise.
std::optional<std::string> hex_mac(std::string_view text, std::size_t size) {
    if (text.size() != size * 2) return std::nullopt;
    auto mac = crypto::hex_decode(text);
    if (!mac) return std::nullopt;
    return std::move(*mac);
}

struct KaleyraV1 {
    std::string t_text;  // as sent: the MAC is over these very digits
    long long t = 0;
    std::vector<std::string> macs;
};

Result<KaleyraV1> parse_kaleyra_v1(std::string_view value) {
    KaleyraV1 parsed;
    bool have_t = false;
    for (const auto& part : util::split(value, ',')) {
        const std::string_view item = util::trim(part);
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) return malformed_kaleyra();
        const std::string_view name = util::trim(item.substr(0, eq));
        const std::string_view text = util::trim(item.substr(eq + 1));
        if (name == "t") {
            if (have_t) return malformed_kaleyra();  // two times: which one was signed?
            have_t = true;
            parsed.t_text = std::string(text);
        } else if (name == "v0") {
            auto mac = hex_mac(text, sha256_size);
            if (!mac) return malformed_kaleyra();
            parsed.macs.push_back(std::move(*mac));
        }  // other schemes (v1, …) are for other verifiers
    }
    const std::string& t = parsed.t_text;
    const auto end = t.data() + t.size();
    const auto result = std::from_chars(t.data(), end, parsed.t);
    if (!have_t || t.empty() || t.front() == '-' || result.ec != std::errc{} || result.ptr != end || parsed.macs.empty()) {
        return malformed_kaleyra();
    }
    return parsed;
}

bool any_matches(const std::vector<std::string>& macs, std::string_view expected) {
    bool match = false;
    // No early exit: every entry is compared, so timing says nothing about which.
    for (const auto& mac : macs) match = crypto::constant_time_equal(mac, expected) || match;
    return match;
}

std::string kaleyra_v1_mac(std::string_view secret, std::string_view t_text, std::string_view raw_body) {
    std::string signed_payload;
    signed_payload.reserve(t_text.size() + 1 + raw_body.size());
    signed_payload.append(t_text).append(".").append(raw_body);
    return crypto::hmac_sha256(secret, signed_payload);
}

Status check_tolerance(const SignatureCheck& check, std::chrono::seconds tolerance,
                       std::chrono::system_clock::time_point now) {
    if (tolerance.count() <= 0 || !check.signed_at) return {};
    using std::chrono::duration_cast;
    // Compared at the precision t was sent in: a seconds t against the current
    // whole second, so "exactly at the bound" means the same for both.
    long long age = 0;
    long long limit = tolerance.count();
    const char* unit = "s";
    if (check.t_in_millis) {
        age = duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() - *check.signed_at_ms;
        // Saturating: a tolerance past INT64_MAX milliseconds (292 million
        // years, from --tolerance) means "any age", not an overflow.
        constexpr long long max_seconds = std::numeric_limits<long long>::max() / 1000;
        limit = limit > max_seconds ? std::numeric_limits<long long>::max() : limit * 1000;
        unit = "ms";
    } else {
        age = duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() - *check.signed_at;
    }
    if (age > limit) {
        return make_error(ExitCode::push_crypto,
                          fmt::format("signature is too old: made {} {} before now, over the tolerance of {} s", age, unit,
                                      tolerance.count()),
                          "a valid signature on an old body is how a replayed webhook looks");
    }
    if (age < -limit) {
        return make_error(ExitCode::push_crypto,
                          fmt::format("signature is from the future: made {} {} after now, over the tolerance of {} s", -age,
                                      unit, tolerance.count()),
                          "check this machine's clock");
    }
    return {};
}

Result<SignatureCheck> verify_kaleyra_v1(std::string_view value, std::string_view secret, std::string_view raw_body) {
    auto parsed = parse_kaleyra_v1(value);
    if (!parsed) return std::move(parsed).error();
    if (!any_matches(parsed->macs, kaleyra_v1_mac(secret, parsed->t_text, raw_body))) return mismatch();
    SignatureCheck check;
    check.scheme = "kaleyra-v1";
    check.t_in_millis = parsed->t >= kaleyra_millis_threshold;
    check.signed_at = check.t_in_millis ? parsed->t / 1000 : parsed->t;
    check.signed_at_ms = check.t_in_millis ? parsed->t : parsed->t * 1000;
    return check;
}

// room_id at the top (v0 bodies), else in data (v1 envelopes).
const std::string* room_id_of(const Json& body) {
    if (const auto* room = detail::string_member(body, "room_id")) return room;
    const auto data = body.find("data");
    return data == body.end() ? nullptr : detail::string_member(*data, "room_id");
}

Result<SignatureCheck> verify_kaleyra_v0(std::string_view value, std::string_view secret, std::string_view raw_body) {
    auto mac = hex_mac(value, sha256_size);
    if (!mac) return malformed_kaleyra();
    auto body = detail::parse_and_unwrap(raw_body);
    if (!body) return std::move(body).error();
    const std::string* room_id = room_id_of(*body);
    if (room_id == nullptr) {
        return make_error(ExitCode::bad_input, "a room-id-hmac signature covers the body's room_id, and this body has none");
    }
    if (!crypto::constant_time_equal(*mac, crypto::hmac_sha256(secret, *room_id))) return mismatch();
    return SignatureCheck{"kaleyra-v0", std::nullopt, std::nullopt, false};
}

Result<SignatureCheck> verify_webex(std::string_view value, std::string_view secret, std::string_view raw_body) {
    auto mac = hex_mac(value, sha1_size);
    if (!mac) return malformed_webex();
    if (!crypto::constant_time_equal(*mac, crypto::hmac_sha1(secret, raw_body))) return mismatch();
    return SignatureCheck{"webex", std::nullopt, std::nullopt, false};
}

}  // namespace

Result<SignatureCheck> verify_signature(Vendor vendor, std::string_view value, std::string_view secret,
                                        std::string_view raw_body, std::chrono::seconds tolerance,
                                        std::chrono::system_clock::time_point now) {
    if (secret.empty()) return make_error(ExitCode::usage, "the signature secret is empty");
    if (vendor == Vendor::auto_detect) {
        auto body = detail::parse_and_unwrap(raw_body);
        if (!body) return std::move(body).error();
        auto detected = detect(*body);
        if (!detected) return std::move(detected).error();
        vendor = *detected;
    }
    switch (vendor) {
    case Vendor::kaleyra: {
        const std::string_view text = strip_header_name(value, {kaleyra_signature_header, kaleyra_room_hmac_header});
        if (text.find('=') == std::string_view::npos) return verify_kaleyra_v0(text, secret, raw_body);
        auto check = verify_kaleyra_v1(text, secret, raw_body);
        if (!check) return check;
        if (auto fresh = check_tolerance(*check, tolerance, now); !fresh) return std::move(fresh).error();
        return check;
    }
    case Vendor::webex: return verify_webex(strip_header_name(value, {webex_signature_header}), secret, raw_body);
    case Vendor::intercom:
    case Vendor::auto_detect: break;
    }
    return make_error(ExitCode::usage,
                      fmt::format("--signature applies to Kaleyra and Webex webhooks only, this is {}", to_string(vendor)));
}

std::string sign_kaleyra_v1(std::string_view secret, long long t, std::string_view raw_body) {
    const std::string t_text = std::to_string(t);
    return fmt::format("t={},v0={}", t_text, crypto::hex_encode(kaleyra_v1_mac(secret, t_text, raw_body)));
}

std::string sign_kaleyra_v0(std::string_view secret, std::string_view room_id) {
    return crypto::hex_encode(crypto::hmac_sha256(secret, room_id));
}

std::string sign_webex(std::string_view secret, std::string_view raw_body) {
    return crypto::hex_encode(crypto::hmac_sha1(secret, raw_body));
}

Result<long long> verify_kaleyra_signature(std::string_view header, std::string_view secret, std::string_view raw_body) {
    if (secret.empty()) return make_error(ExitCode::usage, "the signature secret is empty");
    const std::string_view text = strip_header_name(header, {kaleyra_signature_header});
    auto check = verify_kaleyra_v1(text, secret, raw_body);
    if (!check) return std::move(check).error();
    return *check->signed_at;
}

}  // namespace callctl::push
