// Inputs the fuzz targets (tests/fuzz) found, each kept as a test so the bug
// stays fixed. Name the target and what went wrong.
#include <doctest/doctest.h>

#include <chrono>

#include "callctl/config/config_file.hpp"
#include "callctl/config/credentials.hpp"
#include "callctl/http/http.hpp"

using namespace callctl;

TEST_CASE("fuzz_config: a number nlohmann cannot hold is bad input, not an internal error") {
    // json::parse threw out_of_range.406 (not a parse_error) and nothing caught it.
    auto parsed = config::ConfigFile::parse(R"({"profiles":{"default":{"timeout":1e400}}})", "/tmp/config.json");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == ExitCode::bad_input);
    CHECK(parsed.error().message.find("/tmp/config.json") != std::string::npos);
}

TEST_CASE("fuzz_config: profile set/unset of a graphql document when \"graphql\" is not an object") {
    // operator[] / erase() on a JSON string threw type_error: `callctl profile set graphql.X ...` exited 1.
    auto parsed = config::ConfigFile::parse(R"({"profiles":{"default":{"graphql":"not an object"}}})", "config.json");
    REQUIRE(parsed);
    config::ConfigFile file = std::move(*parsed);
    CHECK_FALSE(file.unset("default", "graphql.AnswerIncomingCall"));
    REQUIRE(file.set("default", "graphql.AnswerIncomingCall", "mutation { a }"));
    CHECK(file.profile("default")["graphql"]["AnswerIncomingCall"] == "mutation { a }");
    CHECK(file.unset("default", "graphql.AnswerIncomingCall"));
}

TEST_CASE("fuzz_credentials: an out-of-range expires_at is ignored, not converted") {
    // get<int64_t>() on 1e300 is a float-to-integer conversion out of range (UBSan: undefined behaviour).
    auto parsed = config::CredentialStore::parse(
        R"({"profiles":{"default":{"access_token":"a","expires_at":1e300,"obtained_at":-1e300}}})", "credentials.json");
    REQUIRE(parsed);
    auto token = parsed->get("default");
    REQUIRE(token);
    CHECK(token->access_token == "a");
    CHECK_FALSE(token->expires_at);
    CHECK_FALSE(token->obtained_at);

    auto fine = config::CredentialStore::parse(R"({"profiles":{"default":{"access_token":"a","expires_at":1.7e9}}})",
                                               "credentials.json");
    REQUIRE(fine);
    CHECK(fine->get("default")->expires_at == 1700000000);

    auto overflow = config::CredentialStore::parse(R"({"profiles":{"default":{"access_token":"a","expires_at":1e400}}})",
                                                   "credentials.json");
    REQUIRE_FALSE(overflow);
    CHECK(overflow.error().code == ExitCode::bad_input);
}

TEST_CASE("fuzz_http: a Retry-After date in the year 200000 waits a day at most, without overflow") {
    // curl_getdate accepted "Wed, 21 Oct 201752 :08:00 GMT"; system_clock::from_time_t overflowed (nanoseconds).
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    auto delay = http::parse_retry_after("Wed, 21 Oct 201752 :08:00 GMT", now);
    REQUIRE(delay);
    CHECK(*delay == std::chrono::hours(24));
    // Still exact for a near date, and zero for a past one.
    CHECK(http::parse_retry_after("Tue, 14 Nov 2023 22:13:30 GMT", now) == std::chrono::milliseconds(10000));
    CHECK(http::parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == std::chrono::milliseconds(0));
}
