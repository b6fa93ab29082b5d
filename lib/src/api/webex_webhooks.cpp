// The Webex webhooks REST API: see callctl/api/webex.hpp.
#include <fmt/format.h>

#include "callctl/api/errors.hpp"
#include "callctl/api/session.hpp"
#include "callctl/api/webex.hpp"
#include "callctl/util/json.hpp"
#include "callctl/util/strings.hpp"

namespace callctl::api {

namespace {

constexpr const char* token_env = "CALLCTL_WEBEX_TOKEN";
constexpr const char* secret_env = "CALLCTL_WEBEX_SECRET";

http::Request webex_request(http::Method method, std::string url, std::string_view token, http::Replay replay) {
    http::Request request;
    request.method = method;
    request.url = std::move(url);
    request.headers.push_back({"Accept", "application/json"});
    request.headers.push_back({"Authorization", fmt::format("Bearer {}", token)});
    request.secrets.push_back({std::string(token), token_env});
    request.replay = replay;
    return request;
}

// "https://webexapis.com:443" of any URL of that origin (scheme and host in
// lower case, the default port made explicit), "" when it has none.
std::string origin_of(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return {};
    const std::string scheme = util::to_lower(url.substr(0, scheme_end));
    const auto start = scheme_end + 3;
    const auto end = std::min(url.find_first_of("/?#", start), url.size());
    std::string authority = util::to_lower(url.substr(start, end - start));
    if (authority.empty() || authority.find('@') != std::string::npos) return {};
    const auto bracket = authority.rfind(']');
    const auto colon = authority.rfind(':');
    if (colon == std::string::npos || (bracket != std::string::npos && colon < bracket)) {
        authority += scheme == "https" ? ":443" : ":80";
    }
    return scheme + "://" + authority;
}


Result<http::Response> answered(const http::Outcome& outcome, std::string_view what) {
    if (!outcome) return to_error(outcome.error(), what);
    if (!is_success(outcome->status)) return webex_status_error(*outcome, what);
    return *outcome;
}

// The answer's JSON; a body callctl cannot use (not JSON, nested past what
// any real answer does) is the server's fault: exit 7.
Result<WebexJson> json_of(const http::Response& response, std::string_view what) {
    auto body = util::parse_ordered_json(response.body);
    if (!body && body.error().problem == util::JsonProblem::too_deep) {
        return make_error(ExitCode::http_server,
                          fmt::format("{}: the answer nests deeper than {} levels", what, util::json_depth_limit));
    }
    if (!body) {
        return make_error(ExitCode::http_server, fmt::format("{}: the server answered HTTP {} with a body that is not valid "
                                                             "JSON ({} bytes)", what, response.status, response.body.size()));
    }
    return std::move(*body);
}

// "http://127.0.0.1:8080" of "http://127.0.0.1:8080/webex/v1": where a
// relative next link ("/v1/webhooks?cursor=…") points.
std::string root_of(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return std::string(url);
    return std::string(url.substr(0, std::min(url.find_first_of("/?#", scheme_end + 3), url.size())));
}

}  // namespace

http::Request webex_create_webhook_request(std::string_view base_url, std::string_view token, const WebexWebhookSpec& spec) {
    WebexJson body = {{"name", spec.name}, {"targetUrl", spec.target_url}, {"resource", "telephony_push"}, {"event", "updated"}};
    if (spec.secret) body["secret"] = *spec.secret;
    body["ownedBy"] = "org";
    http::Request request = webex_request(http::Method::post, http::join_url(base_url, "/v1/webhooks"), token, http::Replay::unsafe);
    request.headers.insert(request.headers.begin(), {"Content-Type", "application/json"});
    request.body = body.dump();
    if (spec.secret) request.secrets.push_back({*spec.secret, secret_env});
    return request;
}

http::Request webex_list_webhooks_request(std::string url, std::string_view token) {
    return webex_request(http::Method::get, std::move(url), token, http::Replay::idempotent);
}

http::Request webex_delete_webhook_request(std::string_view base_url, std::string_view token, std::string_view id) {
    return webex_request(http::Method::del, http::join_url(base_url, "/v1/webhooks/" + http::percent_encode(id)), token,
                         http::Replay::idempotent);
}

std::optional<std::string> next_link(const http::Response& response) {
    for (const auto& header : response.headers) {
        if (!util::iequals(header.name, "Link")) continue;
        const std::string_view value = header.value;
        std::size_t at = 0;
        while ((at = value.find('<', at)) != std::string_view::npos) {
            const auto close = value.find('>', at);
            if (close == std::string_view::npos) break;
            const std::string_view target = value.substr(at + 1, close - at - 1);
            // This link's parameters run to the next link's '<' (a ',' then '<').
            auto next = value.find('<', close);
            const std::string_view params = value.substr(close + 1, (next == std::string_view::npos ? value.size() : next) - close - 1);
            for (const auto& raw : util::split(params, ';')) {
                const std::string_view param = util::trim(raw);
                const auto equals = param.find('=');
                if (equals == std::string_view::npos || !util::iequals(util::trim(param.substr(0, equals)), "rel")) continue;
                std::string rel(util::trim(param.substr(equals + 1)));
                while (!rel.empty() && (rel.back() == ',' || rel.back() == ' ')) rel.pop_back();
                if (rel.size() >= 2 && rel.front() == '"' && rel.back() == '"') rel = rel.substr(1, rel.size() - 2);
                for (const auto& word : util::split(rel, ' ')) {
                    if (util::iequals(word, "next")) return std::string(target);
                }
            }
            at = close;
        }
    }
    return std::nullopt;
}

Error webex_status_error(const http::Response& response, std::string_view what) {
    Error error = status_error(response, what);
    const auto body = util::parse_ordered_json(response.body);
    if (body && body->is_object() && body->contains("trackingId") && (*body)["trackingId"].is_string()) {
        error.message += fmt::format(" (trackingId {})", (*body)["trackingId"].get<std::string>());
    }
    if (response.status == 401) {
        error.hint = "give an org admin's Webex access token in --webex-token-file FILE or CALLCTL_WEBEX_TOKEN";
    } else if (response.status == 403) {
        error.hint = "an org-owned telephony_push webhook needs a full administrator's token (spark-admin:* scopes)";
    }
    return error;
}

WebexJson without_secret(WebexJson webhook) {
    if (webhook.is_object() && webhook.contains("secret") && !webhook["secret"].is_null()) webhook["secret"] = "***";
    return webhook;
}

Result<WebexJson> webex_create_webhook(const WebexSend& send, std::string_view base_url, std::string_view token,
                                       const WebexWebhookSpec& spec) {
    constexpr std::string_view what = "create the Webex webhook";
    auto response = answered(send(webex_create_webhook_request(base_url, token, spec)), what);
    if (!response) return response.error();
    auto body = json_of(*response, what);
    if (!body) return body.error();
    if (!body->is_object()) return make_error(ExitCode::http_server, fmt::format("{}: the answer is not a JSON object", what));
    return without_secret(std::move(*body));
}

Result<std::vector<WebexJson>> webex_list_webhooks(const WebexSend& send, std::string_view base_url, std::string_view token) {
    constexpr std::string_view what = "list the Webex webhooks";
    const std::string origin = origin_of(base_url);
    std::vector<WebexJson> webhooks;
    std::string url = http::join_url(base_url, "/v1/webhooks");
    for (std::size_t page = 1;; ++page) {
        auto response = answered(send(webex_list_webhooks_request(url, token)), what);
        if (!response) return response.error();
        auto body = json_of(*response, what);
        if (!body) return body.error();
        if (!body->is_object() || !body->contains("items") || !(*body)["items"].is_array()) {
            return make_error(ExitCode::http_server, fmt::format("{}: the answer has no \"items\" array", what));
        }
        for (auto& item : (*body)["items"]) webhooks.push_back(without_secret(std::move(item)));

        auto next = next_link(*response);
        if (!next) return webhooks;
        if (!next->empty() && next->front() == '/') *next = root_of(url) + *next;
        if (origin_of(*next) != origin) {
            return make_error(ExitCode::http_server,
                              fmt::format("{}: the next page is on another server ({}); callctl sends the token to {} only",
                                          what, http::redact_url(*next, {}), origin));
        }
        if (page == webex_max_pages) {
            return make_error(ExitCode::http_server,
                              fmt::format("{}: still more pages after {}; the server's next links seem to go round", what, page));
        }
        url = std::move(*next);
    }
}

Status webex_delete_webhook(const WebexSend& send, std::string_view base_url, std::string_view token, std::string_view id) {
    const std::string what = fmt::format("delete the Webex webhook {}", id);
    auto response = answered(send(webex_delete_webhook_request(base_url, token, id)), what);
    if (!response) return response.error();
    return {};
}

}  // namespace callctl::api
