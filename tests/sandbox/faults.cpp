#include "faults.hpp"

#include <fmt/format.h>

namespace callctl::sandbox {

namespace {

Error bad(std::string message) { return make_error(ExitCode::bad_input, std::move(message)); }

Result<long long> positive(const nlohmann::json& value, const std::string& what) {
    if (!value.is_number_integer() || value.get<long long>() < 1) return bad(fmt::format("{} must be a whole number >= 1", what));
    return value.get<long long>();
}

Result<long long> count_of(const nlohmann::json& value, const std::string& what) {
    if (!value.is_number_integer() || value.get<long long>() < 0) return bad(fmt::format("{} must be a whole number >= 0", what));
    return value.get<long long>();
}

// {"status":503,"retry_after":"1"} or a bare status number.
Result<FaultPlan::Failure> failure_of(const nlohmann::json& value, const std::string& what, bool status_required) {
    FaultPlan::Failure failure;
    const nlohmann::json* status = nullptr;
    if (value.is_number_integer()) {
        status = &value;
    } else if (value.is_object()) {
        for (const auto& [key, item] : value.items()) {
            if (key != "status" && key != "retry_after" && key != "nth" && key != "count") {
                return bad(fmt::format("{}: unknown key '{}'", what, key));
            }
        }
        if (value.contains("status")) status = &value.at("status");
        if (value.contains("retry_after")) {
            const auto& ra = value.at("retry_after");
            if (ra.is_string()) {
                failure.retry_after = ra.get<std::string>();
            } else if (ra.is_number_integer()) {
                failure.retry_after = std::to_string(ra.get<long long>());
            } else {
                return bad(fmt::format("{}.retry_after must be a string or a number", what));
            }
        }
    } else {
        return bad(fmt::format("{} must be an object or a status number", what));
    }
    if (status == nullptr) {
        if (status_required) return bad(fmt::format("{} needs a status", what));
        return failure;
    }
    if (!status->is_number_integer() || status->get<int>() < 100 || status->get<int>() > 599) {
        return bad(fmt::format("{}.status must be an HTTP status (100-599)", what));
    }
    failure.status = status->get<int>();
    return failure;
}

// [3, 5] or [{"nth":3}, {"nth":5}]
Result<std::set<long long>> nth_set(const nlohmann::json& value, const std::string& what) {
    std::set<long long> out;
    const auto items = value.is_array() ? value : nlohmann::json::array({value});
    for (const auto& item : items) {
        auto n = positive(item.is_object() && item.contains("nth") ? item.at("nth") : item, what + " entries");
        if (!n) return n.error();
        out.insert(*n);
    }
    return out;
}

// 2 or {"count":2}
Result<long long> next_count(const nlohmann::json& value, const std::string& what) {
    return count_of(value.is_object() && value.contains("count") ? value.at("count") : value, what);
}

nlohmann::json failure_json(const FaultPlan::Failure& f) {
    nlohmann::json j = {{"status", f.status}};
    if (!f.retry_after.empty()) j["retry_after"] = f.retry_after;
    return j;
}

}  // namespace

Result<FaultPlan> FaultPlan::from_json(const nlohmann::json& document) {
    if (!document.is_object()) return bad("the fault plan must be a JSON object");
    FaultPlan plan;
    for (const auto& [key, value] : document.items()) {
        if (key == "latency_ms") {
            auto n = count_of(value, key);
            if (!n) return n.error();
            plan.latency_ms = static_cast<int>(std::min(*n, 600000LL));
        } else if (key == "fail_nth") {
            const auto items = value.is_array() ? value : nlohmann::json::array({value});
            for (const auto& item : items) {
                if (!item.is_object() || !item.contains("nth")) return bad("fail_nth entries look like {\"nth\":N,\"status\":503}");
                auto n = positive(item.at("nth"), "fail_nth.nth");
                if (!n) return n.error();
                auto failure = failure_of(item, "fail_nth", false);
                if (!failure) return failure.error();
                plan.fail_nth[*n] = *failure;
            }
        } else if (key == "fail_next") {
            if (!value.is_object() || !value.contains("count")) return bad("fail_next looks like {\"count\":K,\"status\":503}");
            auto n = count_of(value.at("count"), "fail_next.count");
            if (!n) return n.error();
            auto failure = failure_of(value, "fail_next", false);
            if (!failure) return failure.error();
            plan.fail_next_count = *n;
            plan.fail_next = *failure;
        } else if (key == "drop_nth" || key == "truncate_body_nth") {
            auto set = nth_set(value, key);
            if (!set) return set.error();
            (key == "drop_nth" ? plan.drop_nth : plan.truncate_nth) = *set;
        } else if (key == "drop_next" || key == "truncate_next") {
            auto n = next_count(value, key);
            if (!n) return n.error();
            (key == "drop_next" ? plan.drop_next : plan.truncate_next) = *n;
        } else if (key == "status_for") {
            if (!value.is_object()) return bad("status_for looks like {\"/rtc/createCall\":500}");
            for (const auto& [path, item] : value.items()) {
                auto failure = failure_of(item, "status_for[" + path + "]", true);
                if (!failure) return failure.error();
                plan.status_for[path] = *failure;
            }
        } else if (key == "dhs_error_shape" || key == "dhs_config_shape") {
            const bool error_shape = key == "dhs_error_shape";
            const std::set<std::string> known = error_shape ? std::set<std::string>{"", "node", "restify", "php"}
                                                            : std::set<std::string>{"", "scope_names_array", "scope_names_object"};
            if (!value.is_string() || known.count(value.get<std::string>()) == 0) {
                return bad(error_shape ? "dhs_error_shape must be \"node\", \"restify\", \"php\" or \"\""
                                       : "dhs_config_shape must be \"scope_names_array\", \"scope_names_object\" or \"\"");
            }
            (error_shape ? plan.shapes.dhs_error : plan.shapes.dhs_config) = value.get<std::string>();
        } else {
            return bad(fmt::format("unknown fault '{}' (known: latency_ms, fail_nth, fail_next, drop_nth, drop_next, "
                                   "truncate_body_nth, truncate_next, status_for, dhs_error_shape, dhs_config_shape)",
                                   key));
        }
    }
    return plan;
}

nlohmann::json FaultPlan::to_json() const {
    nlohmann::json j = nlohmann::json::object();
    j["latency_ms"] = latency_ms;
    auto& fails = j["fail_nth"] = nlohmann::json::array();
    for (const auto& [n, f] : fail_nth) {
        auto entry = failure_json(f);
        entry["nth"] = n;
        fails.push_back(entry);
    }
    j["fail_next"] = failure_json(fail_next);
    j["fail_next"]["count"] = fail_next_count;
    j["drop_nth"] = drop_nth;
    j["drop_next"] = drop_next;
    j["truncate_body_nth"] = truncate_nth;
    j["truncate_next"] = truncate_next;
    auto& paths = j["status_for"] = nlohmann::json::object();
    for (const auto& [path, f] : status_for) paths[path] = failure_json(f);
    j["dhs_error_shape"] = shapes.dhs_error;
    j["dhs_config_shape"] = shapes.dhs_config;
    return j;
}

void Faults::set(FaultPlan plan) {
    const std::lock_guard lock(mutex_);
    plan_ = std::move(plan);
    seen_ = 0;
}

void Faults::reset() { set(startup_); }

nlohmann::json Faults::describe() const {
    const std::lock_guard lock(mutex_);
    auto j = plan_.to_json();
    j["requests_seen"] = seen_;
    return j;
}

std::chrono::milliseconds Faults::latency() const {
    const std::lock_guard lock(mutex_);
    return std::chrono::milliseconds(plan_.latency_ms);
}

FaultAction Faults::next(const std::string& path) {
    const std::lock_guard lock(mutex_);
    const long long n = ++seen_;
    FaultAction action;
    action.shapes = plan_.shapes;
    // Dropping beats failing beats truncating: the rarest, harshest fault wins
    // when a test sets several for the same request.
    if (plan_.drop_nth.count(n) != 0) {
        action.kind = FaultAction::Kind::drop;
        action.rule = "drop_nth";
    } else if (plan_.drop_next > 0) {
        --plan_.drop_next;
        action.kind = FaultAction::Kind::drop;
        action.rule = "drop_next";
    } else if (const auto it = plan_.fail_nth.find(n); it != plan_.fail_nth.end()) {
        action = {FaultAction::Kind::status, it->second.status, it->second.retry_after, "fail_nth", plan_.shapes};
    } else if (plan_.fail_next_count > 0) {
        --plan_.fail_next_count;
        action = {FaultAction::Kind::status, plan_.fail_next.status, plan_.fail_next.retry_after, "fail_next", plan_.shapes};
    } else if (plan_.truncate_nth.count(n) != 0) {
        action.kind = FaultAction::Kind::truncate;
        action.rule = "truncate_body_nth";
    } else if (plan_.truncate_next > 0) {
        --plan_.truncate_next;
        action.kind = FaultAction::Kind::truncate;
        action.rule = "truncate_next";
    } else if (const auto p = plan_.status_for.find(path); p != plan_.status_for.end()) {
        action = {FaultAction::Kind::status, p->second.status, p->second.retry_after, "status_for", plan_.shapes};
    }
    return action;
}

}  // namespace callctl::sandbox
