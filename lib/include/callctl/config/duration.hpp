// Durations given in seconds (--timeout, --connect-timeout, call-log
// --interval and --wait-timeout, listen --request-timeout, their profile
// keys): one check, so that no NaN, infinity or 1e300 ever reaches an integer
// conversion, and no value under 1 ms rounds to 0 ("no limit" to libcurl).
// The limits are those of callctl(1), GLOBAL OPTIONS, call-log and listen.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "callctl/error.hpp"

namespace callctl::config {

// The shortest duration other than 0: durations are whole milliseconds.
inline constexpr double kShortestSeconds = 0.001;

struct DurationRule {
    bool zero_allowed = false;    // 0 means "at once" (call-log --interval 0)
    double max_seconds = 86400;   // one day
};

// What is wrong with `seconds` under `rule` ("must be at most 86400 seconds"),
// or "" when it is fine. NaN, infinities and values between 0 and 1 ms are
// never fine.
std::string duration_problem(double seconds, DurationRule rule);

// The number in `text`, all of it ("2.5", "1e3", " 7"), or nullopt.
std::optional<double> parse_number(std::string_view text);

// `seconds` as milliseconds, or a usage error "<subject> <problem>" (subject:
// the flag or key that said it, e.g. "--interval").
Result<std::chrono::milliseconds> to_duration(double seconds, DurationRule rule, std::string_view subject);
// The same from text: parse_number, then to_duration.
Result<std::chrono::milliseconds> parse_duration(std::string_view text, DurationRule rule, std::string_view subject);

}  // namespace callctl::config
