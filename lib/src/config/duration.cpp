#include "callctl/config/duration.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>

#include <fmt/format.h>

namespace callctl::config {

std::string duration_problem(double seconds, DurationRule rule) {
    // NaN fails every comparison, so it lands in the first branch.
    if (rule.zero_allowed ? !(seconds >= 0) : !(seconds > 0)) {
        return rule.zero_allowed ? "must be 0 or a positive number of seconds" : "must be a positive number of seconds";
    }
    if (!(seconds <= rule.max_seconds)) return fmt::format("must be at most {} seconds", rule.max_seconds);
    // Limits are kept in whole milliseconds: 0.0004 would round to 0 ms,
    // which libcurl reads as "no limit" (and rounding it up to 1 ms would
    // quietly change what was asked).
    if (seconds != 0 && seconds < kShortestSeconds) {
        return rule.zero_allowed ? "must be 0 or at least 0.001 seconds (1 ms)" : "must be at least 0.001 seconds (1 ms)";
    }
    return {};
}

std::optional<double> parse_number(std::string_view text) {
    const std::string copy(text);
    if (copy.empty()) return std::nullopt;
    char* end = nullptr;
    const double value = std::strtod(copy.c_str(), &end);
    if (end == copy.c_str() || *end != '\0') return std::nullopt;
    return value;  // may be inf or nan ("inf", "1e999"): duration_problem() refuses those
}

Result<std::chrono::milliseconds> to_duration(double seconds, DurationRule rule, std::string_view subject) {
    if (auto problem = duration_problem(seconds, rule); !problem.empty()) {
        return make_error(ExitCode::usage, fmt::format("{} {}", subject, problem));
    }
    // Finite, 0 or at least 1 ms, and at most max_seconds: the product fits
    // an int64 with room to spare, and a positive limit is never 0 ms.
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000)));
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text, DurationRule rule, std::string_view subject) {
    const auto seconds = parse_number(text);
    if (!seconds) return make_error(ExitCode::usage, fmt::format("{} {}", subject, duration_problem(std::nan(""), rule)));
    return to_duration(*seconds, rule, subject);
}

}  // namespace callctl::config
