// Fault injection: which of the coming requests fail, and how. A plan is set
// at start (--latency-ms, --faults) and replaced at run time by
// POST /_sandbox/faults; DELETE /_sandbox/faults goes back to the start-up plan.
// Requests are counted from 1 starting when the plan was set; admin requests
// (/_sandbox/...) are never counted.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "callctl/error.hpp"
#include "reply.hpp"

namespace callctl::sandbox {

struct FaultAction {
    enum class Kind { none, status, drop, truncate };
    Kind kind = Kind::none;
    int status = 0;           // Kind::status
    std::string retry_after;  // Kind::status: Retry-After value, empty for none
    std::string rule;         // which rule fired, for the request log ("fail_nth", ...)
    AnswerShapes shapes;      // the plan's answer shapes, for every request
};

struct FaultPlan {
    int latency_ms = 0;
    struct Failure {
        int status = 503;
        std::string retry_after;
    };
    std::map<long long, Failure> fail_nth;  // nth request -> failure
    long long fail_next_count = 0;
    Failure fail_next;
    std::set<long long> drop_nth;
    long long drop_next = 0;
    std::set<long long> truncate_nth;
    long long truncate_next = 0;
    std::map<std::string, Failure> status_for;  // path -> failure, every time
    AnswerShapes shapes;                         // not failures: the form of every answer

    // Unknown keys and bad values are bad_input: a typo must not silently
    // leave a test running without its fault.
    static Result<FaultPlan> from_json(const nlohmann::json& json);
    nlohmann::json to_json() const;
};

class Faults {
public:
    explicit Faults(FaultPlan startup) : startup_(startup), plan_(std::move(startup)) {}

    void set(FaultPlan plan);
    void reset();  // back to the start-up plan
    nlohmann::json describe() const;

    // Counts one non-admin request and says what to do with it.
    FaultAction next(const std::string& path);
    std::chrono::milliseconds latency() const;

private:
    mutable std::mutex mutex_;
    FaultPlan startup_;
    FaultPlan plan_;
    long long seen_ = 0;  // requests counted since the plan was set
};

}  // namespace callctl::sandbox
