// Which code answers which request. Backends register their routes here (see
// backends/backends.cpp); the server (sandbox.cpp) logs, faults and sends.
//
// Backend routes are logged and faultable. A guard (e.g. the bearer check)
// covers a path or a prefix and runs before the method is looked at, so an
// unauthenticated client learns nothing about what lies behind it. A path
// that matches a route but not its method is 405 with Allow; no match is 404.
// Admin routes (/_sandbox/...) are never logged or faulted; their body is
// parsed before routing, and a miss is 404.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "reply.hpp"

namespace callctl::sandbox {

// The body as JSON: nullopt when it is not JSON, null when it is empty.
std::optional<nlohmann::json> body_json(const httplib::Request& request);

// One request on its way through a backend route.
struct Exchange {
    const httplib::Request& request;
    const std::string& base_url;  // how the client reached this server: "http://127.0.0.1:PORT"
    std::string subject;          // the bearer token's "sub", once a guard has let the request in
    std::vector<SentPush> pushes;  // sent because of this request; logged after it
    AnswerShapes shapes{};         // how the fault plan wants answers worded
    nlohmann::json log_fields = nlohmann::json::object();  // what the backend noticed: added to the request's log entry

    std::optional<nlohmann::json> json_body() const { return body_json(request); }
};

struct PathPattern {
    std::string path;
    bool is_prefix = false;
    bool matches(const std::string& request_path) const;
};
inline PathPattern exact(std::string path) { return {std::move(path), false}; }
inline PathPattern prefix(std::string path) { return {std::move(path), true}; }

class Router {
public:
    using Handler = std::function<Reply(Exchange&)>;
    using Guard = std::function<std::optional<Reply>(Exchange&)>;  // nullopt: go on
    using AdminHandler = std::function<Reply(const httplib::Request&, const nlohmann::json& body)>;

    // `methods` as in an Allow header; a GET route answers HEAD too.
    void route(std::vector<std::string> methods, PathPattern path, Handler handler);
    void guard(PathPattern path, Guard check);
    // Empty `methods`: any method. The first registered match wins.
    void admin(std::vector<std::string> methods, PathPattern path, AdminHandler handler);

    Reply dispatch(Exchange& exchange) const;
    Reply dispatch_admin(const httplib::Request& request, const nlohmann::json& body) const;

private:
    struct Route {
        std::vector<std::string> methods;
        PathPattern path;
        Handler handler;
    };
    struct GuardEntry {
        PathPattern path;
        Guard check;
    };
    struct AdminRoute {
        std::vector<std::string> methods;
        PathPattern path;
        AdminHandler handler;
    };
    std::vector<Route> routes_;
    std::vector<GuardEntry> guards_;
    std::vector<AdminRoute> admin_;
};

// The 404 of an admin path nobody serves (also for a handler that finds the
// rest of its path meaningless).
Reply no_admin_route(const httplib::Request& request);

}  // namespace callctl::sandbox
