// The Webex webhooks API client (api/webex.hpp): exact requests, Link
// header parsing, paging (bounded, same origin only), errors with Webex's
// message and trackingId, and the echoed secret masked.
#include <doctest/doctest.h>

#include <deque>
#include <string>
#include <vector>

#include "callctl/api/webex.hpp"

using namespace callctl;
using api::WebexJson;

namespace {

http::Response answer(long status, std::string body, std::vector<http::Header> headers = {}) {
    http::Response response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    return response;
}

// Answers from a script, remembering what was asked.
struct ScriptedWebex {
    std::deque<http::Outcome> answers;
    std::vector<http::Request> asked;
    api::WebexSend send() {
        return [this](const http::Request& request) {
            asked.push_back(request);
            REQUIRE_FALSE(answers.empty());
            http::Outcome next = std::move(answers.front());
            answers.pop_front();
            return next;
        };
    }
};

std::string header(const http::Request& request, std::string_view name) {
    for (const auto& h : request.headers) {
        if (h.name == name) return h.value;
    }
    return "(none)";
}

}  // namespace

TEST_CASE("webex: the create request is the documented body") {
    api::WebexWebhookSpec spec;
    spec.target_url = "https://example.com/hook";
    spec.secret = "s3cret";
    const auto request = api::webex_create_webhook_request("https://webexapis.com/", "tok", spec);
    CHECK(request.method == http::Method::post);
    CHECK(request.url == "https://webexapis.com/v1/webhooks");
    CHECK(request.replay == http::Replay::unsafe);
    CHECK(request.body ==
          R"({"name":"callctl telephony_push","targetUrl":"https://example.com/hook","resource":"telephony_push",)"
          R"("event":"updated","secret":"s3cret","ownedBy":"org"})");
    CHECK(header(request, "Authorization") == "Bearer tok");
    CHECK(header(request, "Content-Type") == "application/json");
    CHECK(http::to_curl_command(request).find("tok") == std::string::npos);
    CHECK(http::to_curl_command(request).find("s3cret") == std::string::npos);
    CHECK(http::to_curl_command(request).find("$CALLCTL_WEBEX_TOKEN") != std::string::npos);

    spec.secret.reset();
    CHECK(api::webex_create_webhook_request("https://webexapis.com", "tok", spec).body.find("secret") == std::string::npos);
    const auto remove = api::webex_delete_webhook_request("http://h:1", "tok", "Y2lz/x+y");
    CHECK(remove.method == http::Method::del);
    CHECK(remove.url == "http://h:1/v1/webhooks/Y2lz%2Fx%2By");
    CHECK(remove.replay == http::Replay::idempotent);
}

TEST_CASE("webex: Link rel=next") {
    CHECK(api::next_link(answer(200, "", {{"Link", R"(<https://webexapis.com/v1/webhooks?max=2&cursor=abc>; rel="next")"}})) ==
          "https://webexapis.com/v1/webhooks?max=2&cursor=abc");
    CHECK(api::next_link(answer(200, "", {{"link", R"(<http://a/1>; rel="prev", <http://a/3>; rel=next)"}})) == "http://a/3");
    CHECK(api::next_link(answer(200, "", {{"Link", R"(<http://a/1,2>; title="x"; rel="last next")"}})) == "http://a/1,2");
    CHECK_FALSE(api::next_link(answer(200, "", {{"Link", R"(<http://a/1>; rel="prev")"}})));
    CHECK_FALSE(api::next_link(answer(200, "", {{"Link", "garbage"}})));
    CHECK_FALSE(api::next_link(answer(200, "")));
}

TEST_CASE("webex: list follows next links on the same origin, bounded") {
    ScriptedWebex webex;
    webex.answers.push_back(answer(200, R"({"items":[{"id":"w1","secret":"shh"},{"id":"w2"}]})",
                                   {{"Link", R"(<http://127.0.0.1:8080/v1/webhooks?cursor=c2>; rel="next")"}}));
    webex.answers.push_back(answer(200, R"({"items":[{"id":"w3"}]})", {{"Link", R"(</v1/webhooks?cursor=c3>; rel="next")"}}));
    webex.answers.push_back(answer(200, R"({"items":[]})"));
    auto listed = api::webex_list_webhooks(webex.send(), "http://127.0.0.1:8080", "tok");
    REQUIRE(listed.has_value());
    REQUIRE(listed->size() == 3);
    CHECK((*listed)[0].dump() == R"({"id":"w1","secret":"***"})");
    REQUIRE(webex.asked.size() == 3);
    CHECK(webex.asked[0].url == "http://127.0.0.1:8080/v1/webhooks");
    CHECK(webex.asked[1].url == "http://127.0.0.1:8080/v1/webhooks?cursor=c2");
    CHECK(webex.asked[2].url == "http://127.0.0.1:8080/v1/webhooks?cursor=c3");
    for (const auto& request : webex.asked) CHECK(request.method == http::Method::get);

    SUBCASE("a next link elsewhere never gets the token") {
        ScriptedWebex other;
        other.answers.push_back(answer(200, R"({"items":[]})", {{"Link", R"(<https://evil.example/v1/webhooks>; rel="next")"}}));
        auto refused = api::webex_list_webhooks(other.send(), "https://webexapis.com", "tok");
        CHECK(refused.error().code == ExitCode::http_server);
        CHECK(other.asked.size() == 1);
        ScriptedWebex port;
        port.answers.push_back(answer(200, R"({"items":[]})", {{"Link", R"(<https://webexapis.com:8443/v1/webhooks>; rel="next")"}}));
        CHECK_FALSE(api::webex_list_webhooks(port.send(), "https://webexapis.com", "tok"));
        ScriptedWebex same;
        same.answers.push_back(answer(200, R"({"items":[]})", {{"Link", R"(<HTTPS://WEBEXAPIS.COM:443/v1/x>; rel="next")"}}));
        same.answers.push_back(answer(200, R"({"items":[]})"));
        CHECK(api::webex_list_webhooks(same.send(), "https://webexapis.com", "tok"));
    }
    SUBCASE("pages without end stop") {
        ScriptedWebex loop;
        for (std::size_t i = 0; i < api::webex_max_pages; ++i) {
            loop.answers.push_back(answer(200, R"({"items":[]})", {{"Link", R"(<http://h/v1/webhooks>; rel="next")"}}));
        }
        auto endless = api::webex_list_webhooks(loop.send(), "http://h", "tok");
        CHECK(endless.error().code == ExitCode::http_server);
        CHECK(loop.asked.size() == api::webex_max_pages);
    }
    SUBCASE("answers callctl cannot use") {
        for (const char* body : {"not json", R"({"items":3})", R"([1])"}) {
            ScriptedWebex bad;
            bad.answers.push_back(answer(200, body));
            CHECK(api::webex_list_webhooks(bad.send(), "http://h", "tok").error().code == ExitCode::http_server);
        }
        ScriptedWebex deep;
        deep.answers.push_back(answer(200, std::string(100000, '[') + std::string(100000, ']')));
        auto too_deep = api::webex_list_webhooks(deep.send(), "http://h", "tok");
        CHECK(too_deep.error().message == "list the Webex webhooks: the answer nests deeper than 256 levels");
    }
}

TEST_CASE("webex: errors carry Webex's message and trackingId") {
    const std::string body =
        R"({"message":"The requested resource could not be found.","errors":[{"description":"The requested resource could not be found."}],"trackingId":"ROUTER_1"})";
    ScriptedWebex webex;
    webex.answers.push_back(answer(404, body));
    auto missing = api::webex_delete_webhook(webex.send(), "http://h", "tok", "nope");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ExitCode::http_client);
    CHECK(missing.error().message ==
          "delete the Webex webhook nope: HTTP 404: The requested resource could not be found. (trackingId ROUTER_1)");
    for (long status : {401L, 403L}) {
        ScriptedWebex denied;
        denied.answers.push_back(answer(status, R"({"message":"no","trackingId":"T"})"));
        auto refused = api::webex_create_webhook(denied.send(), "http://h", "tok", {});
        CHECK(refused.error().code == ExitCode::auth);
        CHECK_FALSE(refused.error().hint.empty());
    }
    ScriptedWebex down;
    down.answers.push_back(answer(503, "upstream down"));
    CHECK(api::webex_list_webhooks(down.send(), "http://h", "tok").error().code == ExitCode::http_server);

    ScriptedWebex created;
    created.answers.push_back(answer(200, R"({"id":"w","secret":"s3cret","name":"n"})"));
    auto webhook = api::webex_create_webhook(created.send(), "http://h", "tok", {});
    REQUIRE(webhook.has_value());
    CHECK(webhook->dump() == R"({"id":"w","secret":"***","name":"n"})");
}
