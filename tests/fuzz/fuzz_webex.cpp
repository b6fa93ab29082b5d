// Webex webhooks through decode-push: the telephony_push body, its
// fcmPayload/apnsPayload and the webhookTelephonyPush JSON text inside them
// (decoded by hand-written scanning for --extract), as vendor webex and as
// detected, with every --extract and a signature.
#include <chrono>
#include <cstdint>
#include <string>

#include "callctl/output/json.hpp"
#include "callctl/push/push.hpp"
#include "callctl/push/signature.hpp"
#include "fuzz_util.hpp"

using namespace callctl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    push::DecodeOptions options;
    options.now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    for (const auto vendor : {push::Vendor::webex, push::Vendor::auto_detect}) {
        for (const auto extract : {push::Extract::none, push::Extract::fcm, push::Extract::apns}) {
            for (const bool signed_body : {false, true}) {
                options.vendor = vendor;
                options.extract = extract;
                if (signed_body) {
                    options.signature_secret = "webhook-secret";
                    options.signature_header = push::sign_webex("webhook-secret", text);
                } else {
                    options.signature_secret.reset();
                    options.signature_header.reset();
                }
                auto decoded = push::decode(text, options);
                if (!decoded) {
                    const auto code = decoded.error().code;
                    FUZZ_CHECK(code == ExitCode::bad_input || code == ExitCode::push_crypto || code == ExitCode::usage);
                    // A correct signature is never the complaint.
                    if (signed_body && vendor == push::Vendor::webex) FUZZ_CHECK(code != ExitCode::push_crypto);
                    continue;
                }
                FUZZ_CHECK(decoded->normalized.is_object());
                (void)output::dump_json(decoded->normalized, false);
                if (extract == push::Extract::none) FUZZ_CHECK(!decoded->extracted);
                // A string payload is extracted as its text as received, which need not be
                // JSON (the fuzzer found that; push.hpp: "JSON text verbatim"): parsed, not checked.
                if (decoded->extracted) {
                    (void)fuzz::parse_json(*decoded->extracted);
                }
            }
        }
    }
    return 0;
}
