#include <doctest/doctest.h>

#include "callctl/api/phone.hpp"

using namespace callctl;
using namespace callctl::api;
using nlohmann::ordered_json;

TEST_CASE("clean_phone_number: the seed's examples") {
    CHECK(clean_phone_number("+1 (123) 123 1234") == "11231231234");
    CHECK(clean_phone_number("1800CALFEDX") == "18002253339");
}

TEST_CASE("clean_phone_number: addresses and service codes pass unchanged") {
    CHECK(clean_phone_number("alice@icmn.api.att.com") == "alice@icmn.api.att.com");
    CHECK(clean_phone_number("sip:+1 (555)@example.com") == "sip:+1 (555)@example.com");
    for (const char* code : {"911", "411", "611", "*69", "#89"}) CHECK(clean_phone_number(code) == code);
    CHECK(clean_phone_number("  911 ") == "911");  // trimmed, still special
}

TEST_CASE("clean_phone_number: letters map to the keypad, case-insensitively; the rest is dropped") {
    CHECK(clean_phone_number("abcdefghijklmnopqrstuvwxyz") == "22233344455566677778889999");
    CHECK(clean_phone_number("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "22233344455566677778889999");
    CHECK(clean_phone_number("1-800-FLOWERS") == "18003569377");
    CHECK(clean_phone_number("*67 555.123.4567") == "675551234567");  // only the exact codes are special
    CHECK(clean_phone_number("+911") == "911");
    CHECK(clean_phone_number("()-+. ") == "");
    CHECK(clean_phone_number("") == "");
    CHECK(clean_phone_number("12\xc3\xa9" "3") == "123");  // non-ASCII dropped
}

TEST_CASE("caller_info: the seed's example") {
    auto info = caller_info("sip:+1111@icmn.api.att.com");
    REQUIRE(info.has_value());
    CHECK(*info == ordered_json{{"protocol", "sip"}, {"callerId", "+1111"}, {"domain", "icmn.api.att.com"}});
}

TEST_CASE("caller_info: parameters become keys, port when host:port") {
    auto info = caller_info("sip:+1111@icmn.api.att.com;k=v");
    REQUIRE(info.has_value());
    CHECK(info->dump() == R"({"protocol":"sip","callerId":"+1111","domain":"icmn.api.att.com","k":"v"})");

    info = caller_info("sips:bob@example.com:5061;transport=tls;lr;user=phone");
    REQUIRE(info.has_value());
    CHECK((*info)["protocol"] == "sips");
    CHECK((*info)["callerId"] == "bob");
    CHECK((*info)["domain"] == "example.com");
    CHECK((*info)["port"] == 5061);
    CHECK((*info)["transport"] == "tls");
    CHECK((*info)["lr"] == "");
    CHECK((*info)["user"] == "phone");
}

TEST_CASE("caller_info: core keys are never replaced by parameters") {
    auto info = caller_info("sip:+1111@host;domain=evil;callerId=x;tag=1");
    REQUIRE(info.has_value());
    CHECK((*info)["domain"] == "host");
    CHECK((*info)["callerId"] == "+1111");
    CHECK((*info)["tag"] == "1");
}

TEST_CASE("caller_info: without scheme or host") {
    auto tel = caller_info("tel:+15551234567");
    REQUIRE(tel.has_value());
    CHECK((*tel)["protocol"] == "tel");
    CHECK((*tel)["callerId"] == "+15551234567");
    CHECK((*tel)["domain"].is_null());

    auto bare = caller_info("alice@example.com");
    REQUIRE(bare.has_value());
    CHECK((*bare)["protocol"].is_null());
    CHECK((*bare)["callerId"] == "alice");
    CHECK((*bare)["domain"] == "example.com");
}

TEST_CASE("caller_info: bad input") {
    CHECK(caller_info("").error().code == ExitCode::bad_input);
    CHECK(caller_info("   ").error().code == ExitCode::bad_input);
    CHECK(caller_info("sip:a@host:http").error().code == ExitCode::bad_input);
    CHECK(caller_info("sip:a@host:70000").error().code == ExitCode::bad_input);
    auto ipv6 = caller_info("sip:a@[::1]");
    REQUIRE(ipv6.has_value());
    CHECK((*ipv6)["domain"] == "[::1]");
}
