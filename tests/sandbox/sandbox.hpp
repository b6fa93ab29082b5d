// The sandbox's HTTP plumbing: one handler per server that sorts requests
// into admin routes (/_sandbox/..., never logged, faulted or authenticated)
// and backend routes (logged, subject to faults), runs them through the
// Router the backends filled, and turns their Replies into HTTP answers.
// It serves the admin routes of its own parts: health, the request log, faults.
#pragma once

#include <string>

#include <httplib.h>

#include "faults.hpp"
#include "request_log.hpp"
#include "router.hpp"

namespace callctl::sandbox {

class Sandbox {
public:
    explicit Sandbox(FaultPlan startup_faults);

    RequestLog& log() { return log_; }
    Router& router() { return router_; }

    // Routes every request of `server` here. `base_url` is how clients reach
    // that server ("http://127.0.0.1:PORT"): /config answers with URLs under it.
    void install(httplib::Server& server, const std::string& base_url);

private:
    void handle(const httplib::Request& req, httplib::Response& res, const std::string& base_url);
    Reply admin(const httplib::Request& req);

    Router router_;
    Faults faults_;
    RequestLog log_;
};

}  // namespace callctl::sandbox
