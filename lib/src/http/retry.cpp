// The retry policy of RETRIES in callctl(1), as pure functions so that
// it can be tested without a network.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <limits>
#include <random>
#include <string>

#include <curl/curl.h>

#include "callctl/http/http.hpp"
#include "callctl/util/strings.hpp"

namespace callctl::http {

namespace {
using std::chrono::milliseconds;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// May the request be sent again after this transport failure?
bool transport_failure_retryable(TransportFailure failure, Replay replay) {
    switch (failure) {
    case TransportFailure::refused:
        return true;  // nothing was listening: the request cannot have been processed
    case TransportFailure::timeout:
    case TransportFailure::send:
    case TransportFailure::receive:
        return replay == Replay::idempotent;  // the server may have acted on it
    case TransportFailure::resolve:  // DNS answers do not fix themselves in a second
    case TransportFailure::tls:      // nor do certificates
    case TransportFailure::bad_url:
    case TransportFailure::too_large:  // it would be as large again
    case TransportFailure::interrupted:
    case TransportFailure::dry_run:
    case TransportFailure::other:
        return false;
    }
    return false;
}

// May the request be sent again after this status?
bool status_retryable(long status, Replay replay, bool has_retry_after) {
    switch (status) {
    case 429:
    case 503:
        // "Slow down" / "not now": with Retry-After the server says it did not
        // process the request, so even a create may be sent again.
        return replay == Replay::idempotent || has_retry_after;
    case 502:
    case 504:
        return replay == Replay::idempotent;  // a gateway may have forwarded it
    default:
        return false;
    }
}

milliseconds exponential_backoff(const RetryPolicy& policy, int attempt) {
    const milliseconds ceiling = std::max(policy.max_delay, milliseconds{0});
    milliseconds delay = std::clamp(policy.base_delay, milliseconds{0}, ceiling);
    for (int i = 1; i < attempt && delay < ceiling; ++i) delay = std::min(delay * 2, ceiling);
    return delay;
}
}  // namespace

std::optional<milliseconds> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) {
    const auto text = util::trim(value);
    if (text.empty()) return std::nullopt;
    if (std::all_of(text.begin(), text.end(), is_digit)) {
        // delta-seconds; anything beyond a day is as good as forever and would
        // only overflow.
        constexpr long long kDay = 24 * 60 * 60;
        long long seconds = 0;
        for (const char c : text) {
            seconds = std::min(seconds * 10 + (c - '0'), kDay);
        }
        return milliseconds{seconds * 1000};
    }
    // An HTTP-date always names a day and a time ("Wed, 21 Oct 2015 07:28:00
    // GMT"); demanding letters and a colon keeps curl_getdate's leniency from
    // turning "-5" or "1.5" into a date.
    const bool has_letter = std::any_of(text.begin(), text.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
    if (!has_letter || text.find(':') == std::string_view::npos) return std::nullopt;
    const std::string date(text);
    const time_t when = curl_getdate(date.c_str(), nullptr);
    if (when == -1) return std::nullopt;
    // A date far in the future (curl_getdate accepts years like 200000)
    // overflows system_clock's nanoseconds: compare in seconds first and treat
    // anything beyond a day as a day, as delta-seconds are.
    constexpr time_t kDay = 24 * 60 * 60;
    const time_t now_seconds = std::chrono::system_clock::to_time_t(now);
    if (when < now_seconds) return milliseconds{0};  // also keeps a far past out of from_time_t
    if (when - now_seconds > kDay) return milliseconds{kDay * 1000};
    const auto target = std::chrono::system_clock::from_time_t(when);
    if (target <= now) return milliseconds{0};
    return std::chrono::duration_cast<milliseconds>(target - now);
}

std::optional<milliseconds> retry_delay(const RetryPolicy& policy, Replay replay, int attempt,
                                        const AttemptResult& result, std::mt19937_64& rng) {
    if (attempt < 1 || attempt > policy.max_retries) return std::nullopt;

    std::optional<milliseconds> retry_after;
    if (!result.failure && result.retry_after) retry_after = parse_retry_after(*result.retry_after);

    const bool retryable = result.failure ? transport_failure_retryable(*result.failure, replay)
                                          : status_retryable(result.status, replay, retry_after.has_value());
    if (!retryable) return std::nullopt;

    if (retry_after) return std::min(*retry_after, std::max(policy.retry_after_cap, milliseconds{0}));

    // Equal jitter: half the backoff is fixed so the delay keeps growing, half
    // is random so that many clients do not retry in lockstep.
    const milliseconds backoff = exponential_backoff(policy, attempt);
    const auto half = backoff.count() / 2;
    std::uniform_int_distribution<long long> spread(0, backoff.count() - half);
    return milliseconds{half + spread(rng)};
}

}  // namespace callctl::http
