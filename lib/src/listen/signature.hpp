// The one door to the push library's webhook signature checks, so that
// listen never grows a second implementation: every check goes through
// verify_signature() below.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "callctl/error.hpp"
#include "callctl/push/push.hpp"

namespace callctl::listen::detail {

struct SignatureCheck {
    std::optional<long long> signed_at;  // Kaleyra v1: `t`, in unix seconds
};

// `value` is the signature header's value: Kaleyra's bandyer-signature
// (t=<s or ms>,v0=<hex>) or room-id-hmac (bare hex), Webex's X-Spark-Signature.
// A v1 `t` further than `tolerance` from `now` fails (tolerance 0: any).
// Failures say why in one line, never echoing the secret.
Result<SignatureCheck> verify_signature(push::Vendor vendor, std::string_view value, std::string_view secret,
                                        std::string_view raw_body, std::chrono::seconds tolerance,
                                        std::chrono::system_clock::time_point now);

// Whether verify_signature can check that vendor's webhooks at all.
bool can_verify(push::Vendor vendor);

}  // namespace callctl::listen::detail
