// HTTP plumbing of the sandbox: one handler per server that sorts requests
// into admin routes (/_sandbox/..., never logged, faulted or authenticated)
// and backend routes (logged, subject to faults, bearer-checked under /rtc and
// /graphql), and turns State's Replies into HTTP answers.
#pragma once

#include <string>

#include <httplib.h>

#include "faults.hpp"
#include "request_log.hpp"
#include "state.hpp"

namespace callctl::sandbox {

class Sandbox {
public:
    Sandbox(StateConfig state, FaultPlan startup_faults);

    RequestLog& log() { return log_; }
    State& state() { return state_; }

    // Routes every request of `server` here. `base_url` is how clients reach
    // that server ("http://127.0.0.1:PORT"): /config answers with URLs under it.
    void install(httplib::Server& server, const std::string& base_url);

private:
    void handle(const httplib::Request& req, httplib::Response& res, const std::string& base_url);
    Reply admin(const httplib::Request& req);
    Reply backend(const httplib::Request& req, const std::string& base_url, std::vector<SentPush>& pushes);

    State state_;
    Faults faults_;
    RequestLog log_;
};

}  // namespace callctl::sandbox
