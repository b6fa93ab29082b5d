#include "support.hpp"

#include <chrono>

#include <fmt/format.h>

#include "callctl/crypto/crypto.hpp"
#include "callctl/util/time.hpp"

namespace callctl::sandbox {

long long unix_now() { return util::unix_now(); }

std::string iso8601(std::chrono::system_clock::time_point when) {
    return util::format_iso8601_ms(std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count());
}

std::string random_hex(std::size_t bytes) { return crypto::hex_encode(crypto::random_bytes(bytes)); }

std::string uuid_v4() {
    std::string b = crypto::random_bytes(16);
    b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0F) | 0x40);
    b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3F) | 0x80);
    const std::string h = crypto::hex_encode(b);
    return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4), h.substr(16, 4), h.substr(20));
}

bool is_nonempty_string(const nlohmann::json& body, const char* key) {
    return body.is_object() && body.contains(key) && body.at(key).is_string() && !body.at(key).get<std::string>().empty();
}

}  // namespace callctl::sandbox
