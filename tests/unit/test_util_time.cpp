// One clock, one ISO-8601 formatter, one parser (util/time.hpp).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "callctl/util/time.hpp"

using namespace callctl::util;

TEST_CASE("time: unix_now is the wall clock") {
    const auto now = unix_now();
    CHECK(now > 1700000000);  // after Nov 2023
    CHECK(unix_now_ms() / 1000 >= now);
    CHECK(unix_now_ms() / 1000 - now <= 2);
}

TEST_CASE("time: format_iso8601") {
    CHECK(format_iso8601(0) == "1970-01-01T00:00:00Z");
    CHECK(format_iso8601(1653555878) == "2022-05-26T09:04:38Z");
    CHECK(format_iso8601(-1) == "1969-12-31T23:59:59Z");
    CHECK(format_iso8601(253402300799) == "9999-12-31T23:59:59Z");
    CHECK(format_iso8601(253402300800) == "253402300800");  // past four digits: the number itself
    CHECK(format_iso8601(-62167219201) == "-62167219201");
    CHECK(format_iso8601(INT64_MAX) == std::to_string(INT64_MAX));
}

TEST_CASE("time: format_iso8601_ms") {
    CHECK(format_iso8601_ms(0) == "1970-01-01T00:00:00.000Z");
    CHECK(format_iso8601_ms(1653555878250) == "2022-05-26T09:04:38.250Z");
    CHECK(format_iso8601_ms(-1) == "1969-12-31T23:59:59.999Z");  // the fraction counts forward
    CHECK(format_iso8601_ms(7) == "1970-01-01T00:00:00.007Z");
    CHECK(format_iso8601_ms(INT64_MIN) == std::to_string(INT64_MIN));
}

TEST_CASE("time: parse_iso8601 accepts what users and servers write") {
    auto at = [](const char* text) { return parse_iso8601(text); };
    REQUIRE(at("2022-05-26T09:04:38Z"));
    CHECK(at("2022-05-26T09:04:38Z")->unix_seconds == 1653555878);
    CHECK(at("2022-05-26T09:04:38Z")->has_time);
    CHECK(at("2022-05-26T09:04:38Z")->has_offset);
    CHECK(at("2022-05-26t09:04:38z")->unix_seconds == 1653555878);
    CHECK(at("2022-05-26 09:04:38")->unix_seconds == 1653555878);  // no offset: UTC
    CHECK_FALSE(at("2022-05-26 09:04:38")->has_offset);
    CHECK(at("2022-05-26T09:04:38.250Z")->unix_seconds == 1653555878);  // the fraction dropped
    CHECK(at("2022-05-26T09:04:38,5Z")->unix_seconds == 1653555878);
    CHECK(at("2022-05-26T11:04:38+02:00")->unix_seconds == 1653555878);
    CHECK(at("2022-05-26T04:34:38-0430")->unix_seconds == 1653555878);
    CHECK(at("2022-05-26T09:04Z")->unix_seconds == 1653555840);
    CHECK(at("2022-05-26")->unix_seconds == 1653523200);
    CHECK_FALSE(at("2022-05-26")->has_time);
    CHECK(at("2024-02-29T00:00:00Z"));  // a leap year
    CHECK(at("2016-12-31T23:59:60Z"));  // a leap second
    CHECK(at("1969-12-31T23:59:59Z")->unix_seconds == -1);
    CHECK(at("0000-01-01T00:00:00Z")->unix_seconds == -62167219200);
    CHECK(at("9999-12-31T23:59:59Z")->unix_seconds == 253402300799);
}

TEST_CASE("time: parse_iso8601 refuses what is not a date") {
    for (const char* text : {"", "2022", "2022-05", "22-05-26", "2022-5-26", "2022-05-26T", "2022-05-26T9:04",
                             "2022-05-26T09", "2022-05-26T09:04:", "2022-05-26T09:04:38.", "2022-05-26T09:04:38Zjunk",
                             "2022-05-26T09:04:38+2", "2022-05-26T09:04:38+02:", "2022-05-26T09:04:38+24:00",
                             "2022-05-26T09:04:38+02:60", "2022-05-26T09:04:38X", "2023-02-29", "2022-02-30",
                             "2022-04-31", "2022-13-01", "2022-00-10", "2022-05-00", "2022-05-26T24:00",
                             "2022-05-26T23:60", "2022-05-26T23:59:61", "2022-05-26Z", "-022-05-26", "２０２２-05-26"}) {
        CAPTURE(text);
        CHECK_FALSE(parse_iso8601(text));
    }
}

TEST_CASE("time: format and parse agree") {
    for (const std::int64_t t : {std::int64_t{0}, std::int64_t{951782400}, std::int64_t{1700000000},
                                 std::int64_t{-86400 * 365}, std::int64_t{253402300799}}) {
        CAPTURE(t);
        const auto parsed = parse_iso8601(format_iso8601(t));
        REQUIRE(parsed);
        CHECK(parsed->unix_seconds == t);
    }
}

// issue 19, class 11: a hostile expires_in or exp must neither overflow (UB)
// nor turn a far future into the past.
TEST_CASE("time: add_seconds and seconds_between saturate at int64's ends") {
    constexpr std::int64_t max = INT64_MAX;
    constexpr std::int64_t min = INT64_MIN;
    const std::int64_t now = 1796156004;
    CHECK(add_seconds(now, 3600) == now + 3600);
    CHECK(add_seconds(now, max) == max);
    CHECK(add_seconds(max, 1) == max);
    CHECK(add_seconds(max, max) == max);
    CHECK(add_seconds(now, min) == min + now);  // fits: no saturation needed
    CHECK(add_seconds(-now, min) == min);
    CHECK(add_seconds(min, -1) == min);
    CHECK(add_seconds(max, min) == -1);
    CHECK(seconds_between(now, now + 90) == 90);
    CHECK(seconds_between(now, max) == max - now);
    CHECK(seconds_between(now, min) == min);  // min - now would overflow
    CHECK(seconds_between(min, max) == max);
    CHECK(seconds_between(max, min) == min);
    CHECK(seconds_between(-1, max) == max);
}

TEST_CASE("time: json_seconds reads every number a server may send, saturated") {
    using nlohmann::json;
    CHECK(json_seconds(json(3600)) == 3600);
    CHECK(json_seconds(json(-30)) == -30);
    CHECK(json_seconds(json(INT64_MAX)) == INT64_MAX);
    CHECK(json_seconds(json::parse("9223372036854775807")) == INT64_MAX);
    CHECK(json_seconds(json::parse("9223372036854775808")) == INT64_MAX);  // unsigned, past int64
    CHECK(json_seconds(json::parse("18446744073709551615")) == INT64_MAX);
    CHECK(json_seconds(json::parse("-9223372036854775808")) == INT64_MIN);
    CHECK(json_seconds(json::parse("1e300")) == INT64_MAX);
    CHECK(json_seconds(json::parse("-1e300")) == INT64_MIN);
    CHECK(json_seconds(json::parse("9.3e18")) == INT64_MAX);
    CHECK(json_seconds(json::parse("9223372036854775808.0")) == INT64_MAX);  // 2^63 exactly
    CHECK(json_seconds(json::parse("-9223372036854775808.0")) == INT64_MIN);
    CHECK(json_seconds(json::parse("3599.9")) == 3599);  // floored
    CHECK(json_seconds(json::parse("-0.5")) == -1);
    CHECK(json_seconds(json(std::numeric_limits<double>::infinity())) == INT64_MAX);
    CHECK_FALSE(json_seconds(json(std::nan(""))));
    CHECK(json_seconds(json("3600")) == 3600);
    CHECK(json_seconds(json("99999999999999999999")) == INT64_MAX);
    CHECK(json_seconds(json("-99999999999999999999")) == INT64_MIN);
    for (const char* text : {"", "soon", "1e300", "36 00", "3600s", "+"}) {
        CAPTURE(text);
        CHECK_FALSE(json_seconds(json(text)));
    }
    CHECK_FALSE(json_seconds(json()));
    CHECK_FALSE(json_seconds(json::array()));
    CHECK(json_seconds(nlohmann::ordered_json::parse("18446744073709551615")) == INT64_MAX);
    CHECK(json_seconds(nlohmann::ordered_json::parse("1e300")) == INT64_MAX);
}

TEST_CASE("time: format_time_left shows an absurd lifetime as such, never as the past") {
    CHECK(format_time_left(172800) == "2d 0h 0m");
    CHECK(format_time_left(-30) == "expired 30s ago");
    CHECK(format_time_left(absurd_lifetime_seconds - 1) == "36524d 23h 59m");
    CHECK(format_time_left(absurd_lifetime_seconds) == "more than 100 years");
    CHECK(format_time_left(INT64_MAX) == "more than 100 years");
    CHECK(format_time_left(INT64_MAX - 1796156004) == "more than 100 years");
    CHECK(format_time_left(-absurd_lifetime_seconds) == "expired more than 100 years ago");
    CHECK(format_time_left(INT64_MIN) == "expired more than 100 years ago");  // no -INT64_MIN
    // What a token endpoint's expires_in of 1e300 becomes, end to end.
    const std::int64_t now = 1796156004;
    const auto expires_at = add_seconds(now, *json_seconds(nlohmann::json::parse("1e300")));
    CHECK(format_time_left(seconds_between(now, expires_at)) == "more than 100 years");
    CHECK(format_iso8601(expires_at) == "9223372036854775807");
}
