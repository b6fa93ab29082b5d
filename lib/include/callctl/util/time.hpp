// Wall-clock time as callctl shows and stores it: Unix seconds, and ISO-8601
// in UTC. Every clock read and every date format goes through here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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
