// send-push's parsers of what others give it: the Google service-account JSON,
// the Apple .p8 PEM, and FCM's and APNs's answers (status + body). The first
// byte picks the parser; the rest is the input. A file's content is only ever
// bad_input, never a crash; every answer becomes one result whose JSON prints.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "callctl/deliver/keys.hpp"
#include "callctl/deliver/result.hpp"
#include "fuzz_util.hpp"

using namespace callctl;

namespace {

// FCM takes any 2xx, APNs only 200 (callctl(1), "send-push" > "Results").
void check_answer(const deliver::DeviceResult& result, long status, bool success) {
    FUZZ_CHECK(result.status && *result.status == status);
    FUZZ_CHECK(result.ok == success);
    if (!result.ok) {
        FUZZ_CHECK(!result.error.empty());
        FUZZ_CHECK(result.code != ExitCode::ok);
    }
    // Vendors' bytes may be invalid UTF-8: printing must not throw.
    (void)deliver::to_json(result).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const auto input = fuzz::as_text(data + 1, size - 1);
    switch (data[0] % 4) {
    case 0: {
        auto account = deliver::parse_service_account(input, "--fcm-credentials sa.json");
        if (!account) {
            FUZZ_CHECK(account.error().code == ExitCode::bad_input);
        } else {
            FUZZ_CHECK(!account->client_email.empty() && !account->project_id.empty() && !account->token_uri.empty());
        }
        break;
    }
    case 1: {
        auto key = deliver::parse_apns_key(input, "--apns-key AuthKey.p8");
        if (!key) FUZZ_CHECK(key.error().code == ExitCode::bad_input);
        break;
    }
    default: {
        // Two bytes of status (100..599), then the body.
        if (input.size() < 2) return 0;
        const long status = 100 + (static_cast<unsigned char>(input[0]) * 256 + static_cast<unsigned char>(input[1])) % 500;
        http::Response response;
        response.status = status;
        response.reason = "Reason";  // the client fills in the standard phrase when a server sends none
        response.body = std::string(input.substr(2));
        if (data[0] % 4 == 2) {
            check_answer(deliver::fcm_result(response), status, status >= 200 && status < 300);
        } else {
            response.headers.push_back({"apns-id", "00000000-0000-0000-0000-000000000000"});
            check_answer(deliver::apns_result(response), status, status == 200);
        }
        break;
    }
    }
    return 0;
}
