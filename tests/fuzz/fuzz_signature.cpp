// Webhook signature headers (push/signature.hpp): Kaleyra bandyer-signature
// v1 (t=…,v0=…) and v0 (room-id-hmac), Webex X-Spark-Signature. The input is
// "<header value>\n<secret>\n<raw body>"; each is checked as every vendor
// would, and what the signers make must verify, and stop verifying when one
// hex digit changes.
#include <chrono>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "callctl/push/signature.hpp"
#include "fuzz_util.hpp"

using namespace callctl;

namespace {

const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));

bool allowed(ExitCode code) { return code == ExitCode::push_crypto || code == ExitCode::usage || code == ExitCode::bad_input; }

std::string flip_last_hex(std::string value) {
    FUZZ_CHECK(!value.empty());
    value.back() = value.back() == '0' ? '1' : '0';
    return value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    const auto first = text.find('\n');
    const auto second = first == std::string_view::npos ? first : text.find('\n', first + 1);
    const std::string_view header = text.substr(0, first);
    const std::string_view secret = first == std::string_view::npos ? "" : text.substr(first + 1, second - first - 1);
    const std::string_view body = second == std::string_view::npos ? "" : text.substr(second + 1);

    for (const auto vendor : {push::Vendor::kaleyra, push::Vendor::webex, push::Vendor::auto_detect, push::Vendor::intercom}) {
        for (const auto tolerance : {std::chrono::seconds(0), std::chrono::seconds(300)}) {
            auto checked = push::verify_signature(vendor, header, secret, body, tolerance, now);
            if (!checked) {
                FUZZ_CHECK(allowed(checked.error().code));
                continue;
            }
            FUZZ_CHECK(vendor != push::Vendor::intercom);
            FUZZ_CHECK(!secret.empty());
            if (checked->scheme == "kaleyra-v1") {
                FUZZ_CHECK(checked->signed_at && checked->signed_at_ms);
                if (tolerance.count() > 0) FUZZ_CHECK(*checked->signed_at >= 1700000000 - 301 && *checked->signed_at <= 1700000000 + 301);
            } else {
                FUZZ_CHECK(checked->scheme == "kaleyra-v0" || checked->scheme == "webex");
                FUZZ_CHECK(!checked->signed_at);
            }
        }
    }
    if (secret.empty()) return 0;

    // What the senders make verifies (t in seconds and in milliseconds), and a changed digit does not.
    for (const long long t : {1700000000LL, 1700000000123LL}) {
        const std::string v1 = push::sign_kaleyra_v1(secret, t, body);
        auto good = push::verify_signature(push::Vendor::kaleyra, v1, secret, body, std::chrono::seconds(300), now);
        FUZZ_CHECK(good && good->scheme == "kaleyra-v1" && good->t_in_millis == (t >= push::kaleyra_millis_threshold));
        FUZZ_CHECK(*good->signed_at == 1700000000);
        auto bad = push::verify_signature(push::Vendor::kaleyra, flip_last_hex(v1), secret, body, std::chrono::seconds(300), now);
        FUZZ_CHECK(!bad && bad.error().code == ExitCode::push_crypto);
    }
    const std::string webex = push::sign_webex(secret, body);
    auto good = push::verify_signature(push::Vendor::webex, webex, secret, body, std::chrono::seconds(0), now);
    FUZZ_CHECK(good && good->scheme == "webex");
    auto bad = push::verify_signature(push::Vendor::webex, flip_last_hex(webex), secret, body, std::chrono::seconds(0), now);
    FUZZ_CHECK(!bad && bad.error().code == ExitCode::push_crypto);
    // v0 covers the room id, when the body has one.
    const auto json = fuzz::parse_json(body);
    if (json.is_object() && json.contains("room_id") && json["room_id"].is_string()) {
        const std::string v0 = push::sign_kaleyra_v0(secret, json["room_id"].get<std::string>());
        auto checked = push::verify_signature(push::Vendor::kaleyra, v0, secret, body, std::chrono::seconds(0), now);
        FUZZ_CHECK(!checked || checked->scheme == "kaleyra-v0");
        if (!checked) FUZZ_CHECK(allowed(checked.error().code));
    }
    return 0;
}
