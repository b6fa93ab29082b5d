// URLs through curl_url (parse_url, redact_url) and curl_easy_escape
// (percent_encode): IPv6 literals, userinfo, ports, fragments, queries, and
// what curl refuses.
#include <doctest/doctest.h>

#include <string>

#include "callctl/http/http.hpp"

using namespace callctl::http;

TEST_CASE("url: parse_url splits what curl sends") {
    auto parts = parse_url("https://user:p%40ss@Example.test:8443/a/b?x=1&y=2#frag");
    REQUIRE(parts);
    CHECK(parts->scheme == "https");
    CHECK(parts->user == "user");
    CHECK(parts->password == "p%40ss");  // as written
    CHECK(parts->host == "Example.test");
    CHECK(parts->port == "8443");
    CHECK(parts->effective_port == "8443");
    CHECK(parts->path == "/a/b");
    CHECK(parts->query == "x=1&y=2");
    CHECK(parts->fragment == "frag");

    parts = parse_url("HTTP://h");
    REQUIRE(parts);
    CHECK(parts->scheme == "http");
    CHECK(parts->port.empty());
    CHECK(parts->effective_port == "80");
    CHECK(parts->path == "/");
    CHECK(parts->query.empty());
    CHECK(parts->user.empty());

    CHECK(parse_url("https://h/x")->effective_port == "443");
}

TEST_CASE("url: IPv6 literals keep their brackets") {
    auto parts = parse_url("http://[::1]:8080/calls?id=7");
    REQUIRE(parts);
    CHECK(parts->host == "[::1]");
    CHECK(parts->port == "8080");
    parts = parse_url("https://[2001:db8::1]/");
    REQUIRE(parts);
    CHECK(parts->host == "[2001:db8::1]");
    CHECK(parts->effective_port == "443");
    CHECK_FALSE(parse_url("http://[::1/x"));
    CHECK_FALSE(parse_url("http://[::g]/"));
}

TEST_CASE("url: what curl refuses is not a URL") {
    for (const char* text : {"", "not a url", "127.0.0.1:8080/x", "http://", "http://h:99999/", "http://h:x/",
                             "http://h/a b", "://h/x"}) {
        CAPTURE(text);
        CHECK_FALSE(parse_url(text));
    }
    CHECK_FALSE(parse_url(std::string("http://h/\0x", 11)));  // a NUL would cut it short
    // Other schemes parse (the transfer refuses them later, as bad_url).
    CHECK(parse_url("file:///etc/passwd"));
}

TEST_CASE("url: redact_url masks passwords and secret query values, nothing else") {
    CHECK(redact_url("http://h/plain", {}) == "http://h/plain");
    CHECK(redact_url("http://h", {}) == "http://h");  // nothing to hide: shown as given, not normalised
    CHECK(redact_url("http://h/x?page=2#top", {}) == "http://h/x?page=2#top");
    CHECK(redact_url("http://h/x?token=abc&page=2#frag", {}) == "http://h/x?token=***&page=2#frag");
    CHECK(redact_url("http://user:pw@[::1]:8080/x", {}) == "http://user:***@[::1]:8080/x");
    CHECK(redact_url("http://user@h/x", {}) == "http://user@h/x");  // a user name is not a secret
    CHECK(redact_url("https://u:p@h:8443/p?code=1&x=2#f", {}) == "https://u:***@h:8443/p?code=***&x=2#f");
    CHECK(redact_url("http://[::1]/x?access_token=t&api-key=k", {}) == "http://[::1]/x?access_token=***&api-key=***");
    // A secret value anywhere else (the path) is masked by value.
    CHECK(redact_url("http://h/calls/SECRETID?x=SECRETID", {{"SECRETID", "X"}}) == "http://h/calls/***?x=***");
    // What curl cannot parse cannot be told apart: shown only when it cannot hold userinfo or a query.
    CHECK(redact_url("http://u:pw@[bad/x", {}) == "<unparsable URL>");
    CHECK(redact_url("not a url?token=t", {}) == "<unparsable URL>");
    CHECK(redact_url("not a url", {}) == "not a url");
}

TEST_CASE("url: percent_encode is curl_easy_escape") {
    // test_http_redact.cpp has the RFC 3986 cases; these are URL delimiters and bytes.
    CHECK(percent_encode("[::1]:80@") == "%5B%3A%3A1%5D%3A80%40");
    CHECK(percent_encode(std::string("\0\xff", 2)) == "%00%FF");
}
