// Settings as users type them (environment, `profile set`, profile JSON):
// every row of the setting table's validator, and durations in seconds. What a
// validator accepts, it accepts again in its canonical form, unchanged.
#include <cmath>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "callctl/config/duration.hpp"
#include "callctl/config/setting_table.hpp"
#include "fuzz_util.hpp"

using namespace callctl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);

    for (const config::DurationRule rule : {config::DurationRule{}, config::DurationRule{true, 86400}, config::DurationRule{false, 600}}) {
        auto parsed = config::parse_duration(text, rule, "--timeout");
        const auto number = config::parse_number(text);
        if (parsed) {
            FUZZ_CHECK(number && std::isfinite(*number));
            FUZZ_CHECK(parsed->count() >= 0 && parsed->count() <= static_cast<long long>(rule.max_seconds * 1000) + 1);
            FUZZ_CHECK(rule.zero_allowed || *number > 0);
            FUZZ_CHECK(config::duration_problem(*number, rule).empty());
        } else {
            FUZZ_CHECK(parsed.error().code == ExitCode::usage);
            FUZZ_CHECK(parsed.error().message.rfind("--timeout ", 0) == 0);
        }
    }

    const auto json = fuzz::parse_json(text);
    for (const auto& row : config::setting_rows()) {
        const auto checked = config::check_text(row, text);
        if (checked.ok()) {
            const auto again = config::check_text(row, checked.text);
            FUZZ_CHECK(again.ok() && again.text == checked.text);
        }
        if (row.in_profile) {
            auto stored = config::profile_value(row, text);
            FUZZ_CHECK(stored.has_value() == checked.ok());
            // What `profile set` stores, the profile reader takes back.
            if (stored) FUZZ_CHECK(config::check_json(row, *stored).ok());
        }
        if (!json.is_discarded()) (void)config::check_json(row, json);
        if (const auto number = config::parse_number(text)) (void)config::check_number(row, *number);
    }
    return 0;
}
