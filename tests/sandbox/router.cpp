#include "router.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace callctl::sandbox {

std::optional<nlohmann::json> body_json(const httplib::Request& request) {
    if (request.body.empty()) return nlohmann::json(nullptr);
    auto parsed = nlohmann::json::parse(request.body, nullptr, false);
    if (parsed.is_discarded()) return std::nullopt;
    return parsed;
}

bool PathPattern::matches(const std::string& request_path) const {
    return is_prefix ? request_path.rfind(path, 0) == 0 : request_path == path;
}

void Router::route(std::vector<std::string> methods, PathPattern path, Handler handler) {
    routes_.push_back(Route{std::move(methods), std::move(path), std::move(handler)});
}

void Router::guard(PathPattern path, Guard check) { guards_.push_back(GuardEntry{std::move(path), std::move(check)}); }

void Router::admin(std::vector<std::string> methods, PathPattern path, AdminHandler handler) {
    admin_.push_back(AdminRoute{std::move(methods), std::move(path), std::move(handler)});
}

namespace {

bool allows(const std::vector<std::string>& methods, const std::string& method) {
    const auto has = [&](const char* m) { return std::find(methods.begin(), methods.end(), m) != methods.end(); };
    return std::find(methods.begin(), methods.end(), method) != methods.end() || (method == "HEAD" && has("GET"));
}

}  // namespace

Reply Router::dispatch(Exchange& exchange) const {
    const std::string& path = exchange.request.path;
    const std::string& method = exchange.request.method;
    for (const auto& entry : guards_) {
        if (!entry.path.matches(path)) continue;
        if (auto denied = entry.check(exchange)) return *denied;
        break;
    }
    std::vector<std::string> allowed;
    for (const auto& route : routes_) {
        if (!route.path.matches(path)) continue;
        if (allows(route.methods, method)) return route.handler(exchange);
        allowed.insert(allowed.end(), route.methods.begin(), route.methods.end());
    }
    if (allowed.empty()) return error_reply(404, "not_found", fmt::format("no route for {} {}", method, path));
    const std::string list = fmt::format("{}", fmt::join(allowed, ", "));
    Reply reply = error_reply(405, "method_not_allowed", fmt::format("{} {} is not allowed (use {})", method, path, list));
    reply.headers.emplace_back("Allow", list);
    return reply;
}

Reply Router::dispatch_admin(const httplib::Request& request, const nlohmann::json& body) const {
    for (const auto& route : admin_) {
        if (!route.path.matches(request.path)) continue;
        if (route.methods.empty() || std::find(route.methods.begin(), route.methods.end(), request.method) != route.methods.end()) {
            return route.handler(request, body);
        }
    }
    return no_admin_route(request);
}

Reply no_admin_route(const httplib::Request& request) {
    return error_reply(404, "not_found", fmt::format("no admin route for {} {}", request.method, request.path));
}

}  // namespace callctl::sandbox
