// The retry policy of cli.md ("Retries"), table by table, without a network.
#include <doctest/doctest.h>

#include <chrono>
#include <ctime>
#include <random>
#include <set>

#include "callctl/http/http.hpp"

using namespace callctl::http;
using std::chrono::milliseconds;

namespace {

RetryPolicy quick_policy(int max_retries = 2) {
    RetryPolicy policy;
    policy.max_retries = max_retries;
    policy.base_delay = milliseconds{100};
    policy.max_delay = milliseconds{1000};
    policy.retry_after_cap = milliseconds{30000};
    return policy;
}

bool retries(Replay replay, const AttemptResult& result) {
    std::mt19937_64 rng(1);
    return retry_delay(quick_policy(), replay, 1, result, rng).has_value();
}

AttemptResult failed(TransportFailure failure) { return AttemptResult{failure, 0, std::nullopt}; }
AttemptResult answered(long status, std::optional<std::string> retry_after = std::nullopt) {
    return AttemptResult{std::nullopt, status, std::move(retry_after)};
}

}  // namespace

TEST_CASE("http retry: transport failures by replay kind") {
    struct Row {
        TransportFailure failure;
        bool idempotent_retries;
        bool unsafe_retries;
    };
    const Row table[] = {
        {TransportFailure::refused, true, true},  // surely not processed
        {TransportFailure::resolve, false, false},
        {TransportFailure::timeout, true, false},
        {TransportFailure::tls, false, false},
        {TransportFailure::send, true, false},
        {TransportFailure::receive, true, false},
        {TransportFailure::bad_url, false, false},
        {TransportFailure::interrupted, false, false},
        {TransportFailure::dry_run, false, false},
        {TransportFailure::other, false, false},
    };
    for (const auto& row : table) {
        CAPTURE(static_cast<int>(row.failure));
        CHECK(retries(Replay::idempotent, failed(row.failure)) == row.idempotent_retries);
        CHECK(retries(Replay::unsafe, failed(row.failure)) == row.unsafe_retries);
    }
}

TEST_CASE("http retry: statuses by replay kind, with and without Retry-After") {
    struct Row {
        long status;
        bool idempotent;           // without Retry-After
        bool idempotent_with_ra;   // with Retry-After: 1
        bool unsafe;
        bool unsafe_with_ra;
    };
    const Row table[] = {
        {200, false, false, false, false}, {400, false, false, false, false}, {401, false, false, false, false},
        {404, false, false, false, false}, {500, false, false, false, false}, {502, true, true, false, false},
        {503, true, true, false, true},    {504, true, true, false, false},   {429, true, true, false, true},
    };
    for (const auto& row : table) {
        CAPTURE(row.status);
        CHECK(retries(Replay::idempotent, answered(row.status)) == row.idempotent);
        CHECK(retries(Replay::idempotent, answered(row.status, "1")) == row.idempotent_with_ra);
        CHECK(retries(Replay::unsafe, answered(row.status)) == row.unsafe);
        CHECK(retries(Replay::unsafe, answered(row.status, "1")) == row.unsafe_with_ra);
    }
    // An unparseable Retry-After is no promise that the request was not processed.
    CHECK_FALSE(retries(Replay::unsafe, answered(503, "soon")));
    CHECK_FALSE(retries(Replay::unsafe, answered(429, "-1")));
    CHECK(retries(Replay::idempotent, answered(503, "soon")));
}

TEST_CASE("http retry: max_retries bounds the attempts") {
    std::mt19937_64 rng(7);
    const auto busy = answered(503);
    CHECK_FALSE(retry_delay(quick_policy(0), Replay::idempotent, 1, busy, rng).has_value());
    CHECK(retry_delay(quick_policy(2), Replay::idempotent, 1, busy, rng).has_value());
    CHECK(retry_delay(quick_policy(2), Replay::idempotent, 2, busy, rng).has_value());
    CHECK_FALSE(retry_delay(quick_policy(2), Replay::idempotent, 3, busy, rng).has_value());  // 3 attempts made
    CHECK_FALSE(retry_delay(quick_policy(-1), Replay::idempotent, 1, busy, rng).has_value());
}

TEST_CASE("http retry: exponential backoff with equal jitter, capped") {
    std::mt19937_64 rng(42);
    const RetryPolicy policy = quick_policy(20);
    const long long expected_backoff[] = {100, 200, 400, 800, 1000, 1000, 1000};
    for (int attempt = 1; attempt <= 7; ++attempt) {
        const long long backoff = expected_backoff[attempt - 1];
        std::set<long long> seen;
        for (int sample = 0; sample < 200; ++sample) {
            const auto delay = retry_delay(policy, Replay::idempotent, attempt, failed(TransportFailure::timeout), rng);
            REQUIRE(delay.has_value());
            CAPTURE(attempt);
            CHECK(delay->count() >= backoff / 2);
            CHECK(delay->count() <= backoff);
            seen.insert(delay->count());
        }
        CHECK(seen.size() > 10);  // jitter actually spreads
    }
}

TEST_CASE("http retry: the same seed gives the same delays") {
    std::mt19937_64 a(99);
    std::mt19937_64 b(99);
    for (int attempt = 1; attempt <= 5; ++attempt) {
        CHECK(retry_delay(quick_policy(10), Replay::idempotent, attempt, answered(502), a) ==
              retry_delay(quick_policy(10), Replay::idempotent, attempt, answered(502), b));
    }
}

TEST_CASE("http retry: Retry-After overrides the backoff and is capped") {
    std::mt19937_64 rng(3);
    const RetryPolicy policy = quick_policy(5);
    CHECK(retry_delay(policy, Replay::idempotent, 1, answered(503, "0"), rng) == milliseconds{0});
    CHECK(retry_delay(policy, Replay::idempotent, 1, answered(429, "5"), rng) == milliseconds{5000});
    CHECK(retry_delay(policy, Replay::unsafe, 1, answered(503, "12"), rng) == milliseconds{12000});
    CHECK(retry_delay(policy, Replay::idempotent, 1, answered(503, "120"), rng) == milliseconds{30000});
    CHECK(retry_delay(policy, Replay::idempotent, 1, answered(503, "99999999999999999999999"), rng) == milliseconds{30000});
    // Garbage or negative: plain backoff for idempotent requests.
    for (const char* bad : {"soon", "-5", "1.5", ""}) {
        CAPTURE(bad);
        const auto delay = retry_delay(policy, Replay::idempotent, 1, answered(503, bad), rng);
        REQUIRE(delay.has_value());
        CHECK(delay->count() >= 50);
        CHECK(delay->count() <= 100);
    }
}

TEST_CASE("http retry: parse_retry_after") {
    // Wed, 21 Oct 2015 07:28:00 GMT
    const auto now = std::chrono::system_clock::from_time_t(1445412480);
    CHECK(parse_retry_after("0", now) == milliseconds{0});
    CHECK(parse_retry_after(" 7 ", now) == milliseconds{7000});
    CHECK(parse_retry_after("120", now) == milliseconds{120000});
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now) == milliseconds{10000});
    CHECK(parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now) == milliseconds{60000});  // RFC 850
    CHECK(parse_retry_after("Wed Oct 21 07:28:30 2015", now) == milliseconds{30000});           // asctime
    CHECK(parse_retry_after("Tue, 20 Oct 2015 07:28:00 GMT", now) == milliseconds{0});          // past: now
    CHECK_FALSE(parse_retry_after("", now).has_value());
    CHECK_FALSE(parse_retry_after("garbage", now).has_value());
    CHECK_FALSE(parse_retry_after("-5", now).has_value());
    CHECK_FALSE(parse_retry_after("+5", now).has_value());
    CHECK_FALSE(parse_retry_after("1.5", now).has_value());
    CHECK_FALSE(parse_retry_after("Wed, 99 Foo 2015 99:99:99 GMT", now).has_value());
}
