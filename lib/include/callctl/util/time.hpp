// Wall-clock time as callctl shows and stores it: Unix seconds, and ISO-8601
// in UTC. Every clock read and every date format goes through here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace callctl::util {

// Seconds since the Unix epoch, now.
std::int64_t unix_now();
// Milliseconds since the Unix epoch, now.
std::int64_t unix_now_ms();

// "2024-01-31T09:30:00Z". A time no calendar can show (beyond year 9999, or
// before year 0) comes back as the number itself.
std::string format_iso8601(std::int64_t unix_seconds);
// "2024-01-31T09:30:00.250Z" (milliseconds), the same way.
std::string format_iso8601_ms(std::int64_t unix_milliseconds);

// Time arithmetic on Unix seconds that saturates at the ends of int64
// instead of overflowing (signed overflow is undefined behaviour): a server's
// expires_in of 9223372036854775807 added to now stays far in the future.
std::int64_t add_seconds(std::int64_t unix_seconds, std::int64_t seconds);
// `to - from`, saturated the same way.
std::int64_t seconds_between(std::int64_t from, std::int64_t to);
// A count of seconds as JSON gives it (an expires_in, a JWT's exp): an
// integer, an unsigned past INT64_MAX, a float such as 1e300, or a string of
// digits. Floats are floored; anything beyond int64 saturates; anything else
// (NaN, text, null) is nullopt. No float-to-integer conversion out of range.
std::optional<std::int64_t> json_seconds(const nlohmann::json& value);
std::optional<std::int64_t> json_seconds(const nlohmann::ordered_json& value);

// Past this a lifetime is absurd (100 years): format_time_left says so
// instead of counting days.
inline constexpr std::int64_t absurd_lifetime_seconds = 36525LL * 86400;
// "1d 4h 2m", "1h 2m", "1m 5s", "30s"; "expired 3m ago" for a negative count;
// "more than 100 years" (or "expired more than 100 years ago") past
// absurd_lifetime_seconds, whatever the count, INT64_MIN included.
std::string format_time_left(std::int64_t seconds);

// ISO-8601 as users and servers write it: YYYY-MM-DD, optionally followed by
// T (or t, or a space) HH:MM[:SS[.fraction]] and Z or ±HH[:]MM. Fields are
// range-checked (Feb 30 and 24:00 fail; second 60, a leap second, passes).
// Without an offset the time is read as UTC.
struct Iso8601 {
    std::int64_t unix_seconds = 0;  // the fraction dropped
    bool has_time = false;          // more than a date
    bool has_offset = false;        // Z or ±HH:MM given
};
std::optional<Iso8601> parse_iso8601(std::string_view text);

}  // namespace callctl::util
