#include "listen/signature.hpp"

#include <fmt/format.h>

#include "callctl/crypto/crypto.hpp"

namespace callctl::listen::detail {

namespace {

// Kaleyra's own code sample sends `t` in milliseconds, its header example in
// seconds (callctl(1), WIRE FORMATS): a value past the year 5138 in seconds
// is taken as milliseconds.
constexpr long long millisecond_threshold = 100'000'000'000LL;

Status check_age(long long signed_at, std::chrono::seconds tolerance, std::chrono::system_clock::time_point now) {
    if (tolerance.count() == 0) return {};
    const long long now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const long long age = now_s - signed_at;
    if (age > tolerance.count() || -age > tolerance.count()) {
        return make_error(ExitCode::push_crypto,
                          fmt::format("signature timestamp is {} s {} now, outside the {} s tolerance",
                                      age < 0 ? -age : age, age < 0 ? "after" : "before", tolerance.count()));
    }
    return {};
}

}  // namespace

bool can_verify(push::Vendor vendor) { return vendor == push::Vendor::kaleyra; }

Result<SignatureCheck> verify_signature(push::Vendor vendor, std::string_view value, std::string_view secret,
                                        std::string_view raw_body, std::chrono::seconds tolerance,
                                        std::chrono::system_clock::time_point now) {
    if (vendor != push::Vendor::kaleyra) {
        return make_error(ExitCode::usage, fmt::format("{} webhook signatures cannot be checked yet", push::to_string(vendor)));
    }
    if (value.find('=') == std::string_view::npos && crypto::hex_decode(value).has_value()) {
        return make_error(ExitCode::usage, "room-id-hmac (Kaleyra v0) signatures cannot be checked yet");
    }
    auto t = push::verify_kaleyra_signature(value, secret, raw_body);
    if (!t) return std::move(t).error();
    const long long signed_at = *t >= millisecond_threshold ? *t / 1000 : *t;
    if (auto fresh = check_age(signed_at, tolerance, now); !fresh) return std::move(fresh).error();
    return SignatureCheck{signed_at};
}

}  // namespace callctl::listen::detail
