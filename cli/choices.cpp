#include "choices.hpp"

#include <map>

#include <CLI/CLI.hpp>

#include "callctl/util/strings.hpp"

namespace callctl::cli {

namespace {

struct OptionMeta {
    ValueKind kind = ValueKind::text;
    std::vector<std::string> choices;
};

// Options live as long as the App that owns them, i.e. the whole run.
std::map<const CLI::Option*, OptionMeta>& registry() {
    static std::map<const CLI::Option*, OptionMeta> options;
    return options;
}

std::string join(const std::vector<std::string>& words, const char* separator) {
    std::string out;
    for (const auto& word : words) out += (out.empty() ? "" : separator) + word;
    return out;
}

}  // namespace

CLI::Option* restrict_to(CLI::Option* option, std::vector<std::string> choices) {
    const std::string listed = join(choices, "|");
    option->type_name(listed);
    option->transform(CLI::Validator(
        [choices, listed](std::string& value) -> std::string {
            const std::string normalized = util::normalize_enum(value);
            for (const auto& choice : choices) {
                if (normalized == choice) {
                    value = choice;
                    return {};
                }
            }
            return "'" + value + "' is not one of " + listed;
        },
        "", "choices"));
    registry()[option] = {ValueKind::choice, std::move(choices)};
    return option;
}

CLI::Option* restrict_to_names(CLI::Option* option, std::vector<std::string> names) {
    const std::string listed = join(names, ", ");
    option->transform(CLI::Validator(
        [names, listed](std::string& value) -> std::string {
            for (const auto& name : names) {
                if (util::iequals(value, name)) {
                    value = name;
                    return {};
                }
            }
            return "'" + value + "' is not one of " + listed;
        },
        "", "names"));
    registry()[option] = {ValueKind::choice, std::move(names)};
    return option;
}

CLI::Option* completes_files(CLI::Option* option) {
    registry()[option].kind = ValueKind::file;
    return option;
}

CLI::Option* completes_profiles(CLI::Option* option) {
    registry()[option].kind = ValueKind::profile;
    return option;
}

ValueKind value_kind(const CLI::Option* option) {
    if (option->get_expected_max() == 0) return ValueKind::none;  // a flag
    const auto it = registry().find(option);
    return it == registry().end() ? ValueKind::text : it->second.kind;
}

const std::vector<std::string>& choices_of(const CLI::Option* option) {
    static const std::vector<std::string> none;
    const auto it = registry().find(option);
    return it == registry().end() ? none : it->second.choices;
}

}  // namespace callctl::cli
