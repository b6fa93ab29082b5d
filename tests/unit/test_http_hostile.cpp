// What a hostile server gets back from callctl (callctl(1), SECURITY): every
// spelling of every secret of the run redacted from its text, short secrets
// only as whole words, tokens that would split a header refused.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "callctl/http/http.hpp"

using namespace callctl;
using namespace callctl::http;

namespace {

// Each case starts and ends with nothing remembered.
struct CleanRegistry {
    CleanRegistry() { forget_remembered_secrets(); }
    ~CleanRegistry() { forget_remembered_secrets(); }
    CleanRegistry(const CleanRegistry&) = delete;
    CleanRegistry& operator=(const CleanRegistry&) = delete;
};

}  // namespace

TEST_CASE("http redact: every spelling of a secret a server may echo") {
    const CleanRegistry clean;
    const std::vector<Secret> secrets{{R"(tok"en\1/2+3 é)", "T"}};
    CHECK(redact(R"(tok"en\1/2+3 é)", secrets) == "***");
    CHECK(redact(R"(said: tok\"en\\1/2+3 é.)", secrets) == "said: ***.");                   // JSON, as we write it
    CHECK(redact(R"(said: tok\"en\\1/2+3 \u00e9.)", secrets) == "said: ***.");              // JSON, ensure_ascii
    CHECK(redact("q=tok%22en%5C1%2F2%2B3%20%C3%A9&x", secrets) == "q=***&x");              // percent-encoded
    CHECK(redact("q=tok%22en%5c1%2f2%2b3%20%c3%a9&x", secrets) == "q=***&x");              // lower-case hex
    CHECK(redact("q=tok%22en%5C1%2F2%2B3+%C3%A9&x", secrets) == "q=***&x");                // a form's '+'
    CHECK(redact("nothing here", secrets) == "nothing here");
}

TEST_CASE("http redact: remembered secrets are redacted from any text") {
    const CleanRegistry clean;
    CHECK(redact("Bearer abcdefgh12345 refused", {}) == "Bearer abcdefgh12345 refused");
    remember_secret("abcdefgh12345");
    remember_secrets({{"refresh-0987654321", "R"}, {"", "EMPTY"}});
    CHECK(redact("Bearer abcdefgh12345 refused", {}) == "Bearer *** refused");
    CHECK(redact("was refresh-0987654321, now abcdefgh12345", {{"other-secret-1", "O"}}) == "was ***, now ***");
    CHECK(redact_body(R"({"message":"token abcdefgh12345"})", {}) == R"({"message":"token ***"})");
    forget_remembered_secrets();
    CHECK(redact("Bearer abcdefgh12345", {}) == "Bearer abcdefgh12345");
}

TEST_CASE("http redact: a short secret only as a word of its own") {
    const CleanRegistry clean;
    const std::vector<Secret> tt{{"tt", "CALLCTL_TOKEN"}};
    CHECK(redact("GET http://h/x: Bearer tt refused", tt) == "GET http://h/x: Bearer *** refused");
    CHECK(redact(R"({"token":"tt"})", tt) == R"({"token":"***"})");
    CHECK(redact("tt", tt) == "***");
    CHECK(redact("tt.", tt) == "***.");
    CHECK(redact("attic, ttx, xtt, t_tt, tt-1", tt) == "attic, ttx, xtt, t_tt, tt-1");
    CHECK(redact("hexadecimal", {{"x", "X"}}) == "hexadecimal");
    CHECK(redact("a x b", {{"x", "X"}}) == "a *** b");
    CHECK(redact("Bearer%20tt%26x", tt) == "Bearer%20***%26x");  // percent escapes end words
    CHECK(redact("%2Ztt", tt) == "%2Ztt");
    // A short secret made of punctuation stands alone wherever it is.
    CHECK(redact("a=%%b", {{"%%", "X"}}) == "a=***b");
    // Four bytes and more: anywhere, even inside a word.
    CHECK(redact("xxabcdxx", {{"abcd", "X"}}) == "xx***xx");
    CHECK(redact("xxabcxx", {{"abc", "X"}}) == "xxabcxx");
}

TEST_CASE("http dry run: a short secret is not spliced into the URL") {
    const CleanRegistry clean;
    Request request;
    request.url = "http://127.0.0.1:9/rtc/getCallLogById?callId=c1";
    request.headers = {{"Authorization", "Bearer tt"}};
    request.secrets = {{"tt", "CALLCTL_TOKEN"}};
    CHECK(to_curl_command(request) ==
          "curl -sS 'http://127.0.0.1:9/rtc/getCallLogById?callId=c1' -H \"Authorization: Bearer $CALLCTL_TOKEN\"");
    request.method = Method::del;
    request.headers.clear();
    request.body = R"({"token":"a\"b"})";
    request.secrets = {{"a\"b", "CALLCTL_TOKEN"}};
    CHECK(to_curl_command(request) ==
          "curl -sS -X DELETE 'http://127.0.0.1:9/rtc/getCallLogById?callId=c1' --data-binary '{\"token\":\"***\"}'");
}

TEST_CASE("http token_defect: control characters and whitespace") {
    CHECK_FALSE(token_defect("eyJhbGciOi.J9-_~+/=").has_value());
    CHECK_FALSE(token_defect(R"(a"b\c)").has_value());
    CHECK(token_defect("abc\r\nX-Injected: 1") == "it holds a carriage return (CR) at byte 4");
    CHECK(token_defect("abc\n") == "it holds a line feed (LF) at byte 4");
    CHECK(token_defect(std::string("a\0b", 3)) == "it holds a NUL byte at byte 2");
    CHECK(token_defect("a\tb") == "it holds a tab at byte 2");
    CHECK(token_defect("a\x7f") == "it holds a control character (0x7f) at byte 2");
    CHECK(token_defect("\x1b[2K") == "it holds a control character (0x1b) at byte 1");
    CHECK(token_defect("two words") == "it holds a space at byte 4");

    const auto refused = check_token("a\r\nb", "the token from CALLCTL_TOKEN", ExitCode::auth);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ExitCode::auth);
    CHECK(refused.error().message == "the token from CALLCTL_TOKEN cannot be used: it holds a carriage return (CR) at byte 2");
    CHECK(check_token("fine", "x", ExitCode::http_server));
}

TEST_CASE("http request_defect: no header leaves with a control character") {
    Request request;
    request.headers = {{"Accept", "application/json"}, {"X-Tab", "a\tb"}};
    CHECK_FALSE(request_defect(request).has_value());
    request.headers.push_back({"Authorization", "Bearer abc\r\nX-Injected: 1"});
    CHECK(request_defect(request) == "refusing to send header Authorization: it holds a carriage return (CR)");
    request.headers = {{"X-Bad\n", "v"}};
    CHECK(request_defect(request).has_value());
}
