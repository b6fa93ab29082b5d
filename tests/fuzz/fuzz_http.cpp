// Retry-After values, URL building and redaction: the http helpers that see
// server- or user-supplied text.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "callctl/http/http.hpp"
#include "fuzz_util.hpp"

using namespace callctl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);

    // A fixed "now" keeps the target deterministic.
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    if (auto delay = http::parse_retry_after(text, now)) FUZZ_CHECK(delay->count() >= 0);

    // The retry policy on that header, as the client applies it.
    std::mt19937_64 rng(42);
    http::RetryPolicy policy;
    http::AttemptResult result;
    result.status = 429;
    result.retry_after = std::string(text);
    for (int attempt = 1; attempt <= 3; ++attempt) {
        if (auto wait = http::retry_delay(policy, http::Replay::idempotent, attempt, result, rng)) {
            FUZZ_CHECK(wait->count() >= 0 && *wait <= std::max(policy.retry_after_cap, policy.max_delay));
        }
    }

    const std::string encoded = http::percent_encode(text);
    for (const char c : encoded) {
        const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                           c == '-' || c == '.' || c == '_' || c == '~' || c == '%';
        FUZZ_CHECK(plain);
    }

    FuzzedDataProvider provider(data, size);
    const std::string base = provider.ConsumeRandomLengthString(64);
    const std::string path = provider.ConsumeRandomLengthString(64);
    std::vector<std::pair<std::string, std::string>> query;
    while (query.size() < 4 && provider.remaining_bytes() > 0 && provider.ConsumeBool()) {
        auto key = provider.ConsumeRandomLengthString(16);
        query.emplace_back(std::move(key), provider.ConsumeRandomLengthString(32));
    }
    const std::string url = http::join_url(base, path, query);

    // Redaction must leave no secret behind, wherever it appears. (A secret
    // containing '*' could be re-formed by the "***" mask itself: skipped.)
    const std::string secret = provider.ConsumeRandomLengthString(24);
    const std::string rest = provider.ConsumeRemainingBytesAsString();
    const std::vector<http::Secret> secrets{{secret, "CALLCTL_TOKEN"}};
    const std::string redacted = http::redact(rest + secret + rest, secrets);
    if (!secret.empty() && secret.find('*') == std::string::npos) {
        FUZZ_CHECK(redacted.find(secret) == std::string::npos);
    }
    (void)http::redact_url(url, secrets);
    if (const auto parts = http::parse_url(url)) FUZZ_CHECK(!parts->scheme.empty());
    (void)http::redact_body(rest, secrets);
    (void)http::redact_header_value(rest, secret);

    http::Request request;
    request.url = url;
    request.body = rest;
    request.headers.push_back({"Authorization", "Bearer " + secret});
    request.secrets = secrets;
    const std::string curl = http::to_curl_command(request);
    // The secret only travels in the Authorization header here: the curl line
    // must reference $CALLCTL_TOKEN instead. Checked for token-like secrets
    // that the rest of the line cannot spell by itself (a secret such as
    // `' -H "Authoriz` is also the command's own syntax).
    static constexpr std::string_view boilerplate =
        "curl -sS -X POST GET PUT DELETE -A -H Authorization: Bearer $CALLCTL_TOKEN --data-binary -k --cacert";
    const bool token_like = secret.size() >= 6 && std::all_of(secret.begin(), secret.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    });
    if (token_like && boilerplate.find(secret) == std::string_view::npos && rest.find(secret) == std::string::npos &&
        url.find(secret) == std::string::npos) {
        FUZZ_CHECK(curl.find(secret) == std::string::npos);
    }
    return 0;
}
