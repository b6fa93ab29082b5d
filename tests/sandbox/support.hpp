// Small helpers more than one backend uses: the clock, random ids, JSON checks.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace callctl::sandbox {

long long unix_now();

// "2024-05-01T12:00:00.123Z": ISO-8601 UTC with milliseconds, as the REST
// call API and Kaleyra write their times.
std::string iso8601(std::chrono::system_clock::time_point when);

// `bytes` random bytes as lower-case hex (2 * bytes digits).
std::string random_hex(std::size_t bytes);

// A random (version 4) UUID, lower-case.
std::string uuid_v4();

// body[key] exists and is a non-empty string.
bool is_nonempty_string(const nlohmann::json& body, const char* key);

}  // namespace callctl::sandbox
