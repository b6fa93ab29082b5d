// The Webex webhooks REST API (callctl(1), "webex-webhook"): the org's
// telephony_push firehose is created once with POST /v1/webhooks, listed
// with GET /v1/webhooks (paged by a Link: <…>; rel="next" header) and removed
// with DELETE /v1/webhooks/{id}, each with an org admin's bearer token.
// Typed requests in, JSON out; nothing here prints.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/error.hpp"
#include "callctl/http/http.hpp"

namespace callctl::api {

using WebexJson = nlohmann::ordered_json;

inline constexpr std::string_view webex_default_webhook_name = "callctl telephony_push";
inline constexpr std::size_t webex_max_pages = 100;  // a list that pages on and on is the server's bug

struct WebexWebhookSpec {
    std::string name{webex_default_webhook_name};
    std::string target_url;
    std::optional<std::string> secret;  // signs each delivery (X-Spark-Signature)
};

// `token` is an org admin's Webex access token; every request carries it as a
// Secret (-v shows "Bearer ***", --dry-run "$CALLCTL_WEBEX_TOKEN").

// POST <base>/v1/webhooks {"name","targetUrl","resource":"telephony_push",
// "event":"updated"[,"secret"],"ownedBy":"org"}: unsafe to replay (it creates one).
http::Request webex_create_webhook_request(std::string_view base_url, std::string_view token, const WebexWebhookSpec& spec);
// GET <url> (the first page: <base>/v1/webhooks; later ones: the next link).
http::Request webex_list_webhooks_request(std::string url, std::string_view token);
// DELETE <base>/v1/webhooks/<id, percent-encoded>.
http::Request webex_delete_webhook_request(std::string_view base_url, std::string_view token, std::string_view id);

// The target of the Link header's rel="next" entry, if any (RFC 8288: several
// links may share the header, in any order, parameters quoted or not).
std::optional<std::string> next_link(const http::Response& response);

// A non-2xx Webex answer as an Error (401/403: 5, other 4xx: 6, 5xx: 7) with
// Webex's own message and its trackingId, which Cisco support asks for.
Error webex_status_error(const http::Response& response, std::string_view what);

// The webhook with its secret masked ("***"): Webex echoes the secret in
// every answer, and callctl never prints one.
WebexJson without_secret(WebexJson webhook);

// One call through `send` (the client's send, or a test's): the webhook as
// created; every page of the list, following next links on Webex's own
// scheme, host and port only (the token goes nowhere else), at most
// webex_max_pages; nothing (204) for a delete.
using WebexSend = std::function<http::Outcome(const http::Request&)>;
Result<WebexJson> webex_create_webhook(const WebexSend& send, std::string_view base_url, std::string_view token,
                                       const WebexWebhookSpec& spec);
Result<std::vector<WebexJson>> webex_list_webhooks(const WebexSend& send, std::string_view base_url, std::string_view token);
Status webex_delete_webhook(const WebexSend& send, std::string_view base_url, std::string_view token, std::string_view id);

}  // namespace callctl::api
