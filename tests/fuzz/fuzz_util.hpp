// Shared bits of the fuzz targets. A fuzz target must not print on success and
// must crash (abort) on a broken invariant, so libFuzzer records the input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "callctl/util/json.hpp"

#define FUZZ_CHECK(condition)                                                                  \
    do {                                                                                       \
        if (!(condition)) {                                                                    \
            std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
            std::abort();                                                                      \
        }                                                                                      \
    } while (false)

namespace callctl::fuzz {

inline std::string_view as_text(const unsigned char* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// What callctl itself would parse (util/json.hpp: the depth limit applies),
// discarded when it would refuse it: a target that parsed on its own could
// crash on a deep input callctl never builds.
inline nlohmann::json parse_json(std::string_view text) {
    auto parsed = util::parse_json(text);
    return parsed ? std::move(*parsed) : nlohmann::json(nlohmann::json::value_t::discarded);
}

}  // namespace callctl::fuzz
