// ISO-8601 as servers and users write it (util/time.hpp): what parses comes
// back the same through the formatter, and every 64-bit time formats without
// overflow.
#include <cstdint>
#include <cstring>
#include <string>

#include "callctl/util/time.hpp"
#include "fuzz_util.hpp"

using namespace callctl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    if (const auto parsed = util::parse_iso8601(text)) {
        // An offset may carry 9999-12-31 into year 10000, which shows as the number (time.hpp).
        const std::string shown = util::format_iso8601(parsed->unix_seconds);
        if (shown.back() == 'Z') {
            const auto again = util::parse_iso8601(shown);
            FUZZ_CHECK(again && again->unix_seconds == parsed->unix_seconds && again->has_time && again->has_offset);
        } else {
            FUZZ_CHECK(shown == std::to_string(parsed->unix_seconds));
        }
        FUZZ_CHECK(parsed->has_time || !parsed->has_offset);
    }
    if (size >= sizeof(std::int64_t)) {
        std::int64_t when = 0;
        std::memcpy(&when, data, sizeof when);
        for (const std::string& shown : {util::format_iso8601(when), util::format_iso8601_ms(when)}) {
            FUZZ_CHECK(!shown.empty());
            if (shown.back() == 'Z') {
                const auto again = util::parse_iso8601(shown);
                FUZZ_CHECK(again);
                if (shown.find('.') == std::string::npos) FUZZ_CHECK(again->unix_seconds == when);
            } else {
                FUZZ_CHECK(shown == std::to_string(when));
            }
        }
        const auto again = util::parse_iso8601(util::format_iso8601_ms(when));
        if (again) FUZZ_CHECK(again->unix_seconds == (when >= 0 || when % 1000 == 0 ? when / 1000 : when / 1000 - 1));
    }
    return 0;
}
