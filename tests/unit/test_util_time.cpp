// One clock, one ISO-8601 formatter, one parser (util/time.hpp).
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

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
