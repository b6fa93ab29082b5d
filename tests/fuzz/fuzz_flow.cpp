// `callctl run`'s parsers: flow files (YAML or JSON, through yaml-cpp) and the
// shell-like word splitter with its ${name} templates. A file's mistakes are
// one bad_input error starting "FILE:LINE: "; words that split expand again
// whatever the values are.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "callctl/flow/flow.hpp"
#include "callctl/flow/words.hpp"
#include "fuzz_util.hpp"

using namespace callctl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);

    flow::FlowInputs inputs;
    inputs.overrides = {{"base", "http://127.0.0.1:1"}};
    inputs.environment = config::environment_from({{"HOME", "/tmp"}});
    auto parsed = flow::parse_flow(text, "flow.yaml", inputs);
    if (!parsed) {
        FUZZ_CHECK(parsed.error().code == ExitCode::bad_input || parsed.error().code == ExitCode::usage);
        FUZZ_CHECK(parsed.error().message.rfind("flow.yaml", 0) == 0);
    } else {
        for (const auto& step : parsed->steps) FUZZ_CHECK(step.attempts >= 1);
    }

    auto words = flow::split_words(text);
    if (words) {
        const flow::Lookup any = [](std::string_view) -> std::optional<std::string> { return std::string("$x 'y'"); };
        for (const auto& word : *words) {
            auto expanded = flow::expand(word, any);
            FUZZ_CHECK(expanded.has_value());
            for (const auto& name : word.references()) FUZZ_CHECK(flow::valid_name(name) || name.rfind("env.", 0) == 0);
        }
    } else {
        FUZZ_CHECK(words.error().code == ExitCode::bad_input);
    }
    return 0;
}
