// config.json as a user might have mangled it: parse, then everything that
// reads a profile (resolve() with that file, profile set/unset on it).
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "callctl/config/config_file.hpp"
#include "callctl/config/settings.hpp"
#include "fuzz_util.hpp"

using namespace callctl;

namespace {

// One temp file per process: resolve() reads the config from disk.
const std::filesystem::path& config_path() {
    static const std::filesystem::path path = [] {
        std::string pattern = (std::filesystem::temp_directory_path() / "callctl-fuzz-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) std::abort();
        return std::filesystem::path(pattern) / "config.json";
    }();
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    auto parsed = config::ConfigFile::parse(text, "config.json");
    if (!parsed) {
        FUZZ_CHECK(parsed.error().code == ExitCode::bad_input);
        return 0;
    }
    config::ConfigFile file = std::move(*parsed);
    (void)file.current_profile();
    for (const auto& name : file.profile_names()) (void)file.profile(name);

    {
        std::ofstream out(config_path(), std::ios::binary | std::ios::trunc);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
    }
    config::Flags flags;
    flags.config = config_path().string();
    auto settings = config::resolve(flags, config::environment_from({}));
    if (settings) {
        FUZZ_CHECK(settings->timeout.count() > 0);
        FUZZ_CHECK(settings->retries >= 0 && settings->retries <= 10);
    }

    // Edits on whatever shape the file had (`profile set/unset`).
    const std::string profile = file.current_profile().value_or("default");
    (void)file.set(profile, "graphql.AnswerIncomingCall", "mutation { a }");
    (void)file.set(profile, "timeout", "2.5");
    (void)file.unset(profile, "graphql.AnswerIncomingCall");
    (void)file.unset(profile, "timeout");
    return 0;
}
