#include "webex_api.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <string_view>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "callctl/crypto/crypto.hpp"
#include "callctl/util/strings.hpp"
#include "callctl/webhook/examples.hpp"
#include "support.hpp"

namespace callctl::sandbox {

using nlohmann::json;

namespace {

constexpr std::string_view collection = "/v1/webhooks";
constexpr std::size_t max_page = 100;  // Webex's default and largest `max`

// The resources and events Webex's webhooks API documents.
constexpr std::array<std::string_view, 12> resources = {
    "telephony_push", "telephony_calls", "telephony_conference", "telephony_mwi", "messages", "memberships",
    "rooms",          "meetings",        "recordings",           "meetingParticipants", "attachmentActions", "dataSources"};
constexpr std::array<std::string_view, 9> events = {"created", "updated", "deleted", "started", "ended",
                                                    "joined",  "left",    "migrated", "all"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& names, const std::string& value) {
    return std::find(names.begin(), names.end(), value) != names.end();
}

bool is_http_url(const std::string& text) {
    for (std::string_view scheme : {"http://", "https://"}) {
        if (text.size() > scheme.size() && util::iequals(std::string_view(text).substr(0, scheme.size()), scheme)) return true;
    }
    return false;
}

// The cursor of the page that starts at webhook `seq`: opaque to clients.
std::string cursor_for(std::uint64_t seq) {
    return crypto::base64_encode(fmt::format("seq:{}", seq), crypto::Base64Alphabet::url, /*pad=*/false);
}

std::optional<std::uint64_t> seq_of_cursor(const std::string& cursor) {
    auto text = crypto::base64_decode(cursor);
    if (!text || text->rfind("seq:", 0) != 0) return std::nullopt;
    std::uint64_t seq = 0;
    const char* begin = text->data() + 4;
    const char* end = text->data() + text->size();
    const auto [ptr, ec] = std::from_chars(begin, end, seq);
    if (ec != std::errc{} || ptr != end) return std::nullopt;
    return seq;
}

}  // namespace

Reply webex_error(int status, const std::string& message) {
    const std::string tracking = "ROUTER_" + util::to_upper(uuid_v4());
    return Reply{status,
                 json{{"message", message}, {"errors", json::array({{{"description", message}}})}, {"trackingId", tracking}},
                 {{"TrackingID", tracking}}};
}

void WebexApiBackend::add_options(CLI::App& app) {
    app.add_option("--webex-token", admin_token_, "Webex API: an org admin's bearer token (default webex-sandbox-admin-token)")
        ->option_text("TOKEN");
    app.add_option("--webex-user-token", user_token_,
                   "Webex API: a plain user's token, refused org-wide webhooks (default webex-sandbox-user-token)")
        ->option_text("TOKEN");
    app.add_option("--webex-page-size", page_size_, "Webex API: webhooks per page of a list without ?max= (default 100)")
        ->check(CLI::Range(std::size_t{1}, max_page))
        ->option_text("N");
}

WebexApiBackend::Role WebexApiBackend::role_of(const std::string& authorization) const {
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() <= scheme.size() || !util::iequals(std::string_view(authorization).substr(0, scheme.size()), scheme)) {
        return Role::none;
    }
    const std::string token = authorization.substr(scheme.size());
    if (token == admin_token_) return Role::admin;
    if (token == user_token_) return Role::user;
    return Role::none;
}

void WebexApiBackend::install(Router& router) {
    org_id_ = webhook::webex_id("ORGANIZATION");
    router.guard(prefix(std::string(collection)), [this](Exchange& x) -> std::optional<Reply> {
        const Role role = role_of(x.request.get_header_value("Authorization"));
        if (role == Role::none) {
            return webex_error(401, "The request requires a valid access token set in the Authorization request header.");
        }
        x.subject = role == Role::admin ? "admin" : "user";
        return std::nullopt;
    });
    router.route({"GET", "POST"}, exact(std::string(collection)), [this](Exchange& x) {
        if (x.request.method == "GET") return list(x.request, x.base_url);
        const auto body = x.json_body();
        if (!body || !body->is_object()) return webex_error(400, "The request body must be a JSON object.");
        return create(*body, x.subject == "admin" ? Role::admin : Role::user);
    });
    router.route({"GET", "DELETE"}, prefix(std::string(collection) + "/"), [this](Exchange& x) {
        const std::string id = x.request.path.substr(collection.size() + 1);
        return x.request.method == "GET" ? get(id) : remove(id);
    });
}

Reply WebexApiBackend::create(const json& body, Role role) {
    auto text = [&](const char* key) -> std::optional<std::string> {
        if (!body.contains(key) || body.at(key).is_null()) return std::nullopt;
        if (!body.at(key).is_string()) return std::string();
        return body.at(key).get<std::string>();
    };
    const auto name = text("name");
    const auto target = text("targetUrl");
    const auto resource = text("resource");
    const auto event = text("event");
    const auto owned_by = text("ownedBy").value_or("creator");
    for (const auto& [key, value] : {std::pair{"name", name}, std::pair{"targetUrl", target}, std::pair{"resource", resource},
                                     std::pair{"event", event}}) {
        if (!value || value->empty()) return webex_error(400, fmt::format("{} cannot be null or empty.", key));
    }
    if (!is_http_url(*target)) return webex_error(400, fmt::format("targetUrl is not a valid http or https URL: {}", *target));
    if (!one_of(resources, *resource)) return webex_error(400, fmt::format("Unsupported resource: {}", *resource));
    if (!one_of(events, *event)) return webex_error(400, fmt::format("Unsupported event: {}", *event));
    if (owned_by != "org" && owned_by != "creator") return webex_error(400, "ownedBy must be org or creator.");
    if (*resource == "telephony_push" && (*event != "updated" || owned_by != "org")) {
        return webex_error(400, "telephony_push webhooks are org-wide firehoses: event must be updated, ownedBy org.");
    }
    if (owned_by == "org" && role != Role::admin) {
        return webex_error(403, "Only a full administrator of the organization can create an org-wide webhook.");
    }
    for (const char* key : {"secret", "filter"}) {
        if (body.contains(key) && !body.at(key).is_string()) return webex_error(400, fmt::format("{} must be a string.", key));
    }

    json webhook = {{"id", webhook::webex_id("WEBHOOK")}, {"name", *name}, {"targetUrl", *target}, {"resource", *resource},
                    {"event", *event}};
    if (body.contains("filter")) webhook["filter"] = body.at("filter");
    if (body.contains("secret")) webhook["secret"] = body.at("secret");  // Webex echoes it
    webhook["orgId"] = org_id_;
    webhook["createdBy"] = webhook::webex_id("PEOPLE", role == Role::admin ? "sandbox-admin" : "sandbox-user");
    webhook["appId"] = webhook::webex_id("APPLICATION", "callctl-sandbox");
    webhook["ownedBy"] = owned_by;
    webhook["status"] = "active";
    webhook["created"] = webhook::iso8601_millis(std::chrono::system_clock::now());
    const std::lock_guard lock(mutex_);
    webhooks_.emplace(next_seq_++, webhook);
    return Reply{200, webhook};
}

Reply WebexApiBackend::list(const httplib::Request& request, const std::string& base_url) const {
    std::size_t max = page_size_;
    if (request.has_param("max")) {
        const std::string text = request.get_param_value("max");
        unsigned long value = 0;
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc{} || ptr != text.data() + text.size() || value < 1 || value > max_page) {
            return webex_error(400, fmt::format("max must be a number from 1 to {}.", max_page));
        }
        max = value;
    }
    std::uint64_t from = 0;
    if (request.has_param("cursor")) {
        const auto seq = seq_of_cursor(request.get_param_value("cursor"));
        if (!seq) return webex_error(400, "Invalid cursor.");
        from = *seq;
    }
    const std::lock_guard lock(mutex_);
    json items = json::array();
    auto it = webhooks_.lower_bound(from);
    for (; it != webhooks_.end() && items.size() < max; ++it) items.push_back(it->second);
    Reply reply{200, json{{"items", std::move(items)}}};
    if (it != webhooks_.end()) {
        reply.headers.emplace_back(
            "Link", fmt::format("<{}{}?max={}&cursor={}>; rel=\"next\"", base_url, collection, max, cursor_for(it->first)));
    }
    return reply;
}

Reply WebexApiBackend::get(const std::string& id) const {
    const std::lock_guard lock(mutex_);
    for (const auto& [seq, webhook] : webhooks_) {
        if (webhook.at("id") == id) return Reply{200, webhook};
    }
    return webex_error(404, "The requested resource could not be found.");
}

Reply WebexApiBackend::remove(const std::string& id) {
    const std::lock_guard lock(mutex_);
    for (auto it = webhooks_.begin(); it != webhooks_.end(); ++it) {
        if (it->second.at("id") == id) {
            webhooks_.erase(it);
            Reply reply{204, json()};
            reply.text = "";
            return reply;
        }
    }
    return webex_error(404, "The requested resource could not be found.");
}

std::vector<WebexApiBackend::Subscriber> WebexApiBackend::telephony_push_subscribers() const {
    const std::lock_guard lock(mutex_);
    std::vector<Subscriber> subscribers;
    for (const auto& [seq, webhook] : webhooks_) {
        if (webhook.at("resource") != "telephony_push") continue;
        Subscriber subscriber{webhook, std::nullopt};
        if (webhook.contains("secret")) subscriber.secret = webhook.at("secret").get<std::string>();
        subscribers.push_back(std::move(subscriber));
    }
    return subscribers;
}

}  // namespace callctl::sandbox
