// Every non-admin request the sandbox received, in order: appended to the
// --request-log file (one JSON line each, flushed at once so a test can read
// it the moment the answer arrives) and kept in memory for GET /_sandbox/requests.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "callctl/error.hpp"

namespace callctl::sandbox {

class RequestLog {
public:
    RequestLog() = default;
    ~RequestLog();
    RequestLog(const RequestLog&) = delete;
    RequestLog& operator=(const RequestLog&) = delete;

    // Opens (appends to) the log file; without it, entries stay in memory only.
    Status open(const std::string& path);

    // Assigns the entry its "seq" (1, 2, ...) and records it.
    void record(nlohmann::json entry);

    nlohmann::json entries() const;  // a JSON array
    void clear();                    // memory only: the file is an audit trail

private:
    mutable std::mutex mutex_;
    std::FILE* file_ = nullptr;
    std::uint64_t next_seq_ = 1;
    nlohmann::json entries_ = nlohmann::json::array();
};

}  // namespace callctl::sandbox
