// Per-device answers for the push services (FCM and APNs): a test names a
// device token and what FCM or APNs should say to a push for it (an error
// reason, a status, Retry-After, no answer at all, an echo of the request's
// credentials), for every push or for the next N. Admin routes:
//   POST /_sandbox/device-faults {"<token>": {...}, ...}   replace the table
//   GET  /_sandbox/device-faults                            the table, with counts left
//   DELETE /_sandbox/device-faults                          clear it
// A fault: {"error":"UNREGISTERED"|"BadDeviceToken"|…, "status":N (default: the
// vendor's status for that error), "retry_after":"1", "count":N (default: every
// time), "drop":true (FCM: the connection is cut; APNs: the stream is reset),
// "echo":true (the error message repeats the request's authorization header),
// "delay_ms":N}. The token "*" matches every device.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "backend.hpp"

namespace callctl::sandbox {

struct DeviceFault {
    std::string error;
    int status = 0;
    std::string retry_after;
    std::optional<long long> remaining;  // unset: every time
    bool drop = false;
    bool echo = false;
    int delay_ms = 0;
};

class DeviceFaults final : public Backend {
public:
    void install(Router& router) override;

    // The fault for a push to `token`, counting it; nullopt: answer normally.
    std::optional<DeviceFault> take(const std::string& token);

    static Result<std::map<std::string, DeviceFault>> parse(const nlohmann::json& table);

private:
    nlohmann::json describe() const;

    mutable std::mutex mutex_;
    std::map<std::string, DeviceFault> faults_;
};

}  // namespace callctl::sandbox
