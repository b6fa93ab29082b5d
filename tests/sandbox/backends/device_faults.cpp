#include "device_faults.hpp"

#include <fmt/format.h>

namespace callctl::sandbox {

using nlohmann::json;

namespace {

Error bad(std::string message) { return make_error(ExitCode::bad_input, std::move(message)); }

}  // namespace

Result<std::map<std::string, DeviceFault>> DeviceFaults::parse(const json& table) {
    if (!table.is_object()) return bad("device faults look like {\"<device token>\": {\"error\": \"UNREGISTERED\"}}");
    std::map<std::string, DeviceFault> out;
    for (const auto& [token, spec] : table.items()) {
        if (!spec.is_object()) return bad(fmt::format("device fault for {} must be an object", token));
        DeviceFault fault;
        for (const auto& [key, value] : spec.items()) {
            if (key == "error" && value.is_string()) {
                fault.error = value.get<std::string>();
            } else if (key == "status" && value.is_number_integer() && value.get<int>() >= 100 && value.get<int>() <= 599) {
                fault.status = value.get<int>();
            } else if (key == "retry_after" && (value.is_string() || value.is_number_integer())) {
                fault.retry_after = value.is_string() ? value.get<std::string>() : std::to_string(value.get<long long>());
            } else if (key == "count" && value.is_number_integer() && value.get<long long>() >= 1) {
                fault.remaining = value.get<long long>();
            } else if (key == "drop" && value.is_boolean()) {
                fault.drop = value.get<bool>();
            } else if (key == "echo" && value.is_boolean()) {
                fault.echo = value.get<bool>();
            } else if (key == "delay_ms" && value.is_number_integer() && value.get<int>() >= 0 && value.get<int>() <= 600000) {
                fault.delay_ms = value.get<int>();
            } else {
                return bad(fmt::format("device fault for {}: bad or unknown key '{}' (known: error, status, retry_after, count, "
                                       "drop, echo, delay_ms)",
                                       token, key));
            }
        }
        if (fault.error.empty() && fault.status == 0 && !fault.drop && !fault.echo && fault.delay_ms == 0) {
            return bad(fmt::format("device fault for {} does nothing (give error, status, drop, echo or delay_ms)", token));
        }
        out[token] = std::move(fault);
    }
    return out;
}

void DeviceFaults::install(Router& router) {
    router.admin({}, exact("/_sandbox/device-faults"), [this](const httplib::Request& req, const json& body) {
        if (req.method == "DELETE") {
            const std::lock_guard lock(mutex_);
            faults_.clear();
        } else if (req.method == "POST" || req.method == "PUT") {
            auto table = parse(body.is_null() ? json::object() : body);
            if (!table) return error_reply(400, "bad_request", table.error().message);
            const std::lock_guard lock(mutex_);
            faults_ = std::move(*table);
        }
        return Reply{200, describe()};
    });
}

std::optional<DeviceFault> DeviceFaults::take(const std::string& token) {
    const std::lock_guard lock(mutex_);
    auto it = faults_.find(token);
    if (it == faults_.end()) it = faults_.find("*");
    if (it == faults_.end()) return std::nullopt;
    DeviceFault& fault = it->second;
    if (fault.remaining) {
        if (*fault.remaining == 0) return std::nullopt;
        --*fault.remaining;
    }
    return fault;
}

json DeviceFaults::describe() const {
    const std::lock_guard lock(mutex_);
    json out = json::object();
    for (const auto& [token, fault] : faults_) {
        json entry = json::object();
        if (!fault.error.empty()) entry["error"] = fault.error;
        if (fault.status != 0) entry["status"] = fault.status;
        if (!fault.retry_after.empty()) entry["retry_after"] = fault.retry_after;
        if (fault.remaining) entry["count_left"] = *fault.remaining;
        if (fault.drop) entry["drop"] = true;
        if (fault.echo) entry["echo"] = true;
        if (fault.delay_ms != 0) entry["delay_ms"] = fault.delay_ms;
        out[token] = std::move(entry);
    }
    return out;
}

}  // namespace callctl::sandbox
