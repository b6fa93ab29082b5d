// Redaction on every print path, and --dry-run's curl command line, which must
// both hide secrets and rebuild the exact request when run by sh.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "callctl/http/http.hpp"

using namespace callctl::http;

TEST_CASE("http redact: header values") {
    CHECK(redact_header_value("Authorization", "Bearer eyJabc.def.ghi") == "Bearer ***");
    CHECK(redact_header_value("authorization", "Basic dXNlcjpwYXNz") == "Basic ***");
    CHECK(redact_header_value("Authorization", "opaque") == "***");
    CHECK(redact_header_value("Proxy-Authorization", "Basic xyz") == "Basic ***");
    CHECK(redact_header_value("Cookie", "session=abc") == "***");
    CHECK(redact_header_value("Set-Cookie", "session=abc; HttpOnly") == "***");
    CHECK(redact_header_value("X-Api-Key", "k") == "***");
    CHECK(redact_header_value("X-Refresh-Token", "r") == "***");
    CHECK(redact_header_value("X-Client-Secret", "s") == "***");
    CHECK(redact_header_value("X-Signature", "s") == "***");
    CHECK(redact_header_value("Content-Type", "application/json") == "application/json");
    CHECK(redact_header_value("Retry-After", "5") == "5");
}

TEST_CASE("http redact: secret names") {
    for (const char* name : {"access_token", "refreshToken", "token", "password", "client_secret", "auth_code", "authCode",
                             "code", "key", "pushKey", "api_key", "signature", "id_token", "keys"}) {
        CAPTURE(name);
        CHECK(is_secret_name(name));
    }
    for (const char* name : {"token_type", "expires_in", "zipCode", "statusCode", "userId", "title", "keyId", "scope"}) {
        CAPTURE(name);
        CHECK_FALSE(is_secret_name(name));
    }
}

TEST_CASE("http redact: plain text and secrets list") {
    const std::vector<Secret> secrets{{"s3cr3t", "A"}, {"s3cr3t-longer", "B"}, {"", "EMPTY"}};
    CHECK(redact("a s3cr3t-longer and s3cr3t b", secrets) == "a *** and *** b");
    CHECK(redact("nothing here", secrets) == "nothing here");
    CHECK(redact("", secrets).empty());
    // As it would appear percent-encoded in a URL.
    CHECK(redact("q=a%2Fb%3D", {{"a/b=", "X"}}) == "q=***");
    // As it would appear escaped inside a JSON string.
    CHECK(redact(R"({"note":"pa\"ss\\word"})", {{R"(pa"ss\word)", "X"}}) == R"({"note":"***"})");
}

// The spellings of a set of secrets are worked out once and kept for the next
// call with the same set: a different set, the same set again, and secrets
// remembered or forgotten in between must each mask what they name, and only
// that.
TEST_CASE("http redact: each call masks its own secrets, whatever the call before it masked") {
    forget_remembered_secrets();
    const std::vector<Secret> first{{"alpha-secret-1", "A"}};
    const std::vector<Secret> second{{"bravo-secret-2", "B"}};
    const std::string text = "alpha-secret-1 bravo-secret-2 alpha%2Dsecret";
    for (int round = 0; round < 2; ++round) {
        CHECK(redact(text, first) == "*** bravo-secret-2 alpha%2Dsecret");
        CHECK(redact(text, second) == "alpha-secret-1 *** alpha%2Dsecret");
        CHECK(redact(text, {}) == text);
        CHECK(redact_body(R"({"note":"alpha-secret-1"})", first) == R"({"note":"***"})");
        CHECK(redact_body(R"({"note":"alpha-secret-1"})", second) == R"({"note":"alpha-secret-1"})");
    }
    remember_secret("bravo-secret-2");
    CHECK(redact(text, first) == "*** *** alpha%2Dsecret");
    CHECK(redact(text, {}) == "alpha-secret-1 *** alpha%2Dsecret");
    forget_remembered_secrets();
    CHECK(redact(text, first) == "*** bravo-secret-2 alpha%2Dsecret");
    CHECK(redact(text, {}) == text);
}

TEST_CASE("http redact: JSON bodies, nested") {
    const std::vector<Secret> secrets{{"HIDDEN-VALUE", "X"}};
    const std::string body = R"({"access_token":"at","token_type":"Bearer","expires_in":3600,)"
                             R"("user":{"name":"ann","password":"pw","zipCode":"12345"},)"
                             R"("list":[{"refresh_token":"rt"},{"auth_code":123}],)"
                             R"("note":"contains HIDDEN-VALUE inside","key":null})";
    const std::string redacted = redact_body(body, secrets);
    CHECK(redacted == R"({"access_token":"***","token_type":"Bearer","expires_in":3600,)"
                      R"("user":{"name":"ann","password":"***","zipCode":"12345"},)"
                      R"("list":[{"refresh_token":"***"},{"auth_code":"***"}],)"
                      R"("note":"contains *** inside","key":null})");
    CHECK(redact_body(R"([{"secret":"x"}])", {}) == R"([{"secret":"***"}])");
    // FCM's error status is a number named "code"; an authorization code is a string.
    CHECK(redact_body(R"({"error":{"code":401,"status":"UNAUTHENTICATED"}})", {}) ==
          R"({"error":{"code":401,"status":"UNAUTHENTICATED"}})");
    CHECK(redact_body(R"({"code":"consent-code-1"})", {}) == R"({"code":"***"})");
}

TEST_CASE("http redact: non-JSON and form bodies") {
    const std::vector<Secret> secrets{{"abc123", "X"}};
    CHECK(redact_body("plain text with abc123", secrets) == "plain text with ***");
    CHECK(redact_body("{not json abc123", secrets) == "{not json ***");
    CHECK(redact_body("grant_type=refresh_token&refresh_token=zzz&scope=a", {}) ==
          "grant_type=refresh_token&refresh_token=***&scope=a");
    CHECK(redact_body("", secrets).empty());
}

TEST_CASE("http redact: URLs") {
    CHECK(redact_url("http://h/x?token=abc&page=2&sig=zz#frag", {}) == "http://h/x?token=***&page=2&sig=***#frag");
    CHECK(redact_url("https://user:pw@h:8443/p?code=1", {}) == "https://user:***@h:8443/p?code=***");
    CHECK(redact_url("http://h/calls/SECRETID", {{"SECRETID", "X"}}) == "http://h/calls/***");
    CHECK(redact_url("http://h/x?api_key=k&password=p&signature=s&q=a", {}) ==
          "http://h/x?api_key=***&password=***&signature=***&q=a");
    CHECK(redact_url("http://h/plain", {}) == "http://h/plain");
}

TEST_CASE("http dry run: curl command line, as documented") {
    Request request;
    request.method = Method::post;
    request.url = "http://127.0.0.1:8080/tokens";
    request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer tok-123"}};
    request.body = R"({"refresh_token":"ref-456"})";
    request.replay = Replay::unsafe;
    request.secrets = {{"tok-123", "CALLCTL_TOKEN"}, {"ref-456", "CALLCTL_REFRESH_TOKEN"}};
    CHECK(to_curl_command(request) ==
          R"(curl -sS -X POST 'http://127.0.0.1:8080/tokens' -H 'Content-Type: application/json' )"
          R"(-H "Authorization: Bearer $CALLCTL_TOKEN" --data-binary '{"refresh_token":"'"$CALLCTL_REFRESH_TOKEN"'"}')");

    Request get;
    get.url = "https://h/config";
    CHECK(to_curl_command(get, true, "/tmp/ca.pem") == "curl -sS 'https://h/config' --cacert '/tmp/ca.pem' -k");

    // A secret without an env var name is never printed.
    Request anonymous;
    anonymous.url = "http://h/x";
    anonymous.headers = {{"X-Key", "value-xyz"}};
    anonymous.secrets = {{"value-xyz", ""}};
    CHECK(to_curl_command(anonymous).find("value-xyz") == std::string::npos);

    // A password holding '"' travels JSON-escaped: no variable can stand in for
    // that spelling, so it is masked rather than printed.
    Request login;
    login.method = Method::post;
    login.url = "http://h/oauth/token";
    login.body = R"({"username":"ann","password":"p\"w"})";
    login.secrets = {{R"(p"w)", "CALLCTL_INTERCOM_PASSWORD"}};
    CHECK(to_curl_command(login) == R"(curl -sS -X POST 'http://h/oauth/token' --data-binary '{"username":"ann","password":"***"}')");
}

TEST_CASE("to_curl_command: ${NAME} only where a name character follows the secret") {
    Request request;
    request.url = "http://h/x";
    request.headers = {{"X-Pair", "tok-1_tail tok-1 tok-1tok-1.end"}};
    request.secrets = {{"tok-1", "CALLCTL_TOKEN"}};
    CHECK(to_curl_command(request) ==
          R"(curl -sS 'http://h/x' -H "X-Pair: ${CALLCTL_TOKEN}_tail $CALLCTL_TOKEN $CALLCTL_TOKEN$CALLCTL_TOKEN.end")");

    // A secret 200,000 times in one header: every one replaced (the quoting
    // is one pass; it used to replace in place, quadratic, found by fuzz_http).
    std::string many;
    for (int i = 0; i < 200000; ++i) many += "tok-1 ";
    request.headers = {{"X-Many", many}};
    const std::string command = to_curl_command(request);
    CHECK(command.find("tok-1") == std::string::npos);
    std::size_t count = 0;
    for (std::size_t at = 0; (at = command.find("$CALLCTL_TOKEN ", at)) != std::string::npos; at += 15) ++count;
    CHECK(count == 200000);
}

namespace {

// Runs `command` under sh with `curl` replaced by a function printing its
// arguments NUL-separated, and returns those arguments.
std::vector<std::string> argv_of(const std::string& command) {
    const std::string script = "curl() { printf '%s\\0' \"$@\"; }\n" + command + "\n";
    FILE* pipe = ::popen(script.c_str(), "r");  // popen runs /bin/sh -c
    REQUIRE(pipe != nullptr);
    std::string output;
    char buffer[4096];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, got);
    CHECK(::pclose(pipe) == 0);
    std::vector<std::string> args;
    std::size_t start = 0;
    for (std::size_t i = 0; i < output.size(); ++i) {
        if (output[i] == '\0') {
            args.push_back(output.substr(start, i - start));
            start = i + 1;
        }
    }
    return args;
}

}  // namespace

TEST_CASE("http dry run: the command rebuilds the same request under sh") {
    // Values chosen to break naive quoting: quotes, $, backslashes, spaces,
    // newlines, a secret adjacent to name characters.
    const std::string token = R"(t'o"k $HOME `x` \n!)";
    const std::string refresh = "r3fr3sh";
    ::setenv("CALLCTL_TEST_TOKEN", token.c_str(), 1);
    ::setenv("CALLCTL_TEST_REFRESH", refresh.c_str(), 1);

    Request request;
    request.method = Method::del;
    request.url = "http://127.0.0.1:8080/calls/it's?x=1&y=$2";
    request.headers = {{"Content-Type", "application/json"},
                       {"Authorization", "Bearer " + token},
                       {"X-Refresh", refresh + "_suffix"},
                       {"X-Empty", ""}};
    request.body = "{\"a\":\"it's\",\n \"refresh_token\":\"" + refresh + "\", \"t\":\"" + token + "\", \"d\":\"$1 \\\" `\"}";
    request.secrets = {{token, "CALLCTL_TEST_TOKEN"}, {refresh, "CALLCTL_TEST_REFRESH"}};

    const std::string command = to_curl_command(request, true, "/tmp/my ca's.pem", "callctl/0.1.0");
    CAPTURE(command);
    CHECK(command.find(token) == std::string::npos);
    CHECK(command.find(refresh) == std::string::npos);

    const std::vector<std::string> expected{"-sS",
                                            "-X",
                                            "DELETE",
                                            request.url,
                                            "-A",
                                            "callctl/0.1.0",
                                            "-H",
                                            "Content-Type: application/json",
                                            "-H",
                                            "Authorization: Bearer " + token,
                                            "-H",
                                            "X-Refresh: " + refresh + "_suffix",
                                            "-H",
                                            "X-Empty;",
                                            "--data-binary",
                                            request.body,
                                            "--cacert",
                                            "/tmp/my ca's.pem",
                                            "-k"};
    CHECK(argv_of(command) == expected);

    // A body starting with '@' must not make curl read a file.
    Request at_body;
    at_body.method = Method::post;
    at_body.url = "http://h/x";
    at_body.body = "@/etc/passwd";
    CHECK(argv_of(to_curl_command(at_body)) ==
          std::vector<std::string>{"-sS", "-X", "POST", "http://h/x", "--data-raw", "@/etc/passwd"});

    ::unsetenv("CALLCTL_TEST_TOKEN");
    ::unsetenv("CALLCTL_TEST_REFRESH");
}

TEST_CASE("http url: join_url") {
    CHECK(join_url("http://h", "/x") == "http://h/x");
    CHECK(join_url("http://h/", "/x") == "http://h/x");
    CHECK(join_url("http://h/", "x") == "http://h/x");
    CHECK(join_url("http://h", "x") == "http://h/x");
    CHECK(join_url("http://h//", "//x") == "http://h/x");
    CHECK(join_url("http://h/api", "/rtc/createCall") == "http://h/api/rtc/createCall");
    CHECK(join_url("http://h/api/", "rtc/createCall") == "http://h/api/rtc/createCall");
    CHECK(join_url("http://h/graphql", "") == "http://h/graphql");
    CHECK(join_url("http://h", "/x", {{"a", "b c"}, {"x", "&=?/"}}) == "http://h/x?a=b%20c&x=%26%3D%3F%2F");
    CHECK(join_url("http://h/x?a=1", "", {{"b", "2"}}) == "http://h/x?a=1&b=2");
    CHECK(join_url("http://h/x?", "", {{"b", "2"}}) == "http://h/x?b=2");
    CHECK(join_url("http://h", "/x", {}) == "http://h/x");
}

TEST_CASE("http url: percent_encode") {
    CHECK(percent_encode("") == "");
    CHECK(percent_encode("AZaz09-._~") == "AZaz09-._~");
    CHECK(percent_encode("a b+c/d?e&f=g#h%") == "a%20b%2Bc%2Fd%3Fe%26f%3Dg%23h%25");
    CHECK(percent_encode("\xC3\xA9") == "%C3%A9");
    CHECK(percent_encode(std::string("\0x", 2)) == "%00x");
}
