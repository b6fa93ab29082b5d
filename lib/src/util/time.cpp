#include "callctl/util/time.hpp"

#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace callctl::util {

namespace {

// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: what four digits can show.
constexpr std::int64_t kFirstShown = -62167219200;
constexpr std::int64_t kLastShown = 253402300799;

bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& out) {
    if (pos + count > text.size()) return false;
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') return false;
        value = value * 10 + (c - '0');
    }
    out = value;
    pos += count;
    return true;
}

bool accept(std::string_view text, std::size_t& pos, char c) {
    if (pos >= text.size() || text[pos] != c) return false;
    ++pos;
    return true;
}

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil): no timegm, no time zone, no time_t range to worry about.
std::int64_t days_from_civil(int year, int month, int day) {
    const std::int64_t y = year - (month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t year_of_era = y - era * 400;
    const std::int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

// "2024-01-31T09:30:00" by calendar arithmetic, not gmtime_r/strftime: glibc's
// take the process-wide time-zone lock, and listen's workers format a time for
// every request they serve.
std::string utc_text(std::int64_t unix_seconds) {
    using namespace std::chrono;
    const sys_seconds time{seconds(unix_seconds)};
    const auto day = floor<days>(time);
    const year_month_day date{day};
    const hh_mm_ss clock{time - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), clock.hours().count(),
                       clock.minutes().count(), clock.seconds().count());
}

}  // namespace

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::int64_t unix_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::int64_t add_seconds(std::int64_t unix_seconds, std::int64_t seconds) {
    std::int64_t sum = 0;
    if (!__builtin_add_overflow(unix_seconds, seconds, &sum)) return sum;
    return seconds > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
}

std::int64_t seconds_between(std::int64_t from, std::int64_t to) {
    std::int64_t difference = 0;
    if (!__builtin_sub_overflow(to, from, &difference)) return difference;
    return to > from ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
}

namespace {

std::optional<std::int64_t> floor_seconds(double seconds) {
    if (std::isnan(seconds)) return std::nullopt;
    // 2^63 is exact as a double; every double below it converts safely.
    constexpr double kLimit = 9223372036854775808.0;
    if (seconds >= kLimit) return std::numeric_limits<std::int64_t>::max();
    if (seconds < -kLimit) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(std::floor(seconds));
}

std::optional<std::int64_t> text_seconds(const std::string& text) {
    const char* begin = text.data();
    const char* end = begin + text.size();
    std::int64_t whole = 0;
    const auto [stop, error] = std::from_chars(begin, end, whole);
    if (stop == begin || stop != end) return std::nullopt;
    if (error == std::errc::result_out_of_range) {
        return text[0] == '-' ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max();
    }
    return whole;
}

template <class Json>
std::optional<std::int64_t> seconds_in(const Json& value) {
    if (value.is_number_unsigned()) {
        const auto count = value.template get<std::uint64_t>();
        constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        return count > kMax ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(count);
    }
    if (value.is_number_integer()) return value.template get<std::int64_t>();
    if (value.is_number_float()) return floor_seconds(value.template get<double>());
    if (value.is_string()) return text_seconds(value.template get_ref<const std::string&>());
    return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> json_seconds(const nlohmann::json& value) { return seconds_in(value); }
std::optional<std::int64_t> json_seconds(const nlohmann::ordered_json& value) { return seconds_in(value); }

std::string format_time_left(std::int64_t seconds) {
    const bool past = seconds < 0;
    // -INT64_MIN does not exist: every count this far out is absurd anyway.
    if (seconds >= absurd_lifetime_seconds || seconds <= -absurd_lifetime_seconds) {
        return past ? "expired more than 100 years ago" : "more than 100 years";
    }
    std::int64_t left = past ? -seconds : seconds;
    const std::int64_t days = left / 86400;
    left %= 86400;
    const std::int64_t hours = left / 3600;
    left %= 3600;
    const std::int64_t minutes = left / 60;
    std::string text;
    if (days > 0) text = fmt::format("{}d {}h {}m", days, hours, minutes);
    else if (hours > 0) text = fmt::format("{}h {}m", hours, minutes);
    else if (minutes > 0) text = fmt::format("{}m {}s", minutes, left % 60);
    else text = fmt::format("{}s", left % 60);
    return past ? "expired " + text + " ago" : text;
}

std::string format_iso8601(std::int64_t unix_seconds) {
    if (unix_seconds < kFirstShown || unix_seconds > kLastShown) return std::to_string(unix_seconds);
    return utc_text(unix_seconds) + "Z";
}

std::string format_iso8601_ms(std::int64_t unix_milliseconds) {
    std::int64_t seconds = unix_milliseconds / 1000;
    std::int64_t millis = unix_milliseconds % 1000;
    if (millis < 0) {  // before 1970: the fraction counts forward from the earlier second
        millis += 1000;
        --seconds;
    }
    if (seconds < kFirstShown || seconds > kLastShown) return std::to_string(unix_milliseconds);
    return fmt::format("{}.{:03}Z", utc_text(seconds), millis);
}

std::optional<Iso8601> parse_iso8601(std::string_view text) {
    Iso8601 parsed;
    std::size_t pos = 0;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!read_digits(text, pos, 4, year) || !accept(text, pos, '-') || !read_digits(text, pos, 2, month) ||
        !accept(text, pos, '-') || !read_digits(text, pos, 2, day)) {
        return std::nullopt;
    }
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
    std::int64_t offset_seconds = 0;
    if (pos < text.size()) {
        if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return std::nullopt;
        ++pos;
        parsed.has_time = true;
        if (!read_digits(text, pos, 2, hour) || !accept(text, pos, ':') || !read_digits(text, pos, 2, minute)) {
            return std::nullopt;
        }
        if (accept(text, pos, ':')) {
            if (!read_digits(text, pos, 2, second)) return std::nullopt;
            if (accept(text, pos, '.') || accept(text, pos, ',')) {
                const std::size_t start = pos;
                while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
                if (pos == start) return std::nullopt;
            }
        }
        if (hour > 23 || minute > 59 || second > 60) return std::nullopt;  // 60: a leap second
        if (pos < text.size()) {
            parsed.has_offset = true;
            const char sign = text[pos++];
            if (sign == '+' || sign == '-') {
                int offset_hours = 0, offset_minutes = 0;
                if (!read_digits(text, pos, 2, offset_hours)) return std::nullopt;
                accept(text, pos, ':');
                if (!read_digits(text, pos, 2, offset_minutes)) return std::nullopt;
                if (offset_hours > 23 || offset_minutes > 59) return std::nullopt;
                offset_seconds = (sign == '+' ? 1 : -1) * (offset_hours * 3600LL + offset_minutes * 60LL);
            } else if (sign != 'Z' && sign != 'z') {
                return std::nullopt;
            }
            if (pos != text.size()) return std::nullopt;
        }
    }
    parsed.unix_seconds = days_from_civil(year, month, day) * 86400 + hour * 3600LL + minute * 60LL + second -
                          offset_seconds;
    return parsed;
}

}  // namespace callctl::util
