#include "request_log.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace callctl::sandbox {

RequestLog::~RequestLog() {
    if (file_ != nullptr) std::fclose(file_);
}

Status RequestLog::open(const std::string& path) {
    file_ = std::fopen(path.c_str(), "a");
    if (file_ == nullptr) {
        return make_error(ExitCode::bad_input, fmt::format("cannot open request log {}: {}", path, std::strerror(errno)));
    }
    return {};
}

void RequestLog::record(nlohmann::json entry) {
    const std::lock_guard lock(mutex_);
    entry["seq"] = next_seq_++;
    if (file_ != nullptr) {
        // Invalid UTF-8 in a body must not make the log unwritable.
        const std::string line = entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        std::fwrite(line.data(), 1, line.size(), file_);
        std::fflush(file_);
    }
    entries_.push_back(std::move(entry));
}

nlohmann::json RequestLog::entries() const {
    const std::lock_guard lock(mutex_);
    return entries_;
}

void RequestLog::clear() {
    const std::lock_guard lock(mutex_);
    entries_ = nlohmann::json::array();
}

}  // namespace callctl::sandbox
