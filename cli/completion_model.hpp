// The command-line model shell completion is generated from, and the
// emitters that turn it into scripts: the walk over the CLI11 tree
// (completion_model.cpp) is apart from the shells (completion_posix.cpp for
// what bash and zsh share, completion_bash.cpp, completion_zsh.cpp,
// completion_fish.cpp). `callctl completion SHELL` (cmd_completion.cpp) prints
// them; completions/ holds the generated files.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "choices.hpp"

namespace CLI {
class App;
}

namespace callctl::cli {

struct OptionModel {
    std::vector<std::string> names;  // "-o", "--output"
    ValueKind kind = ValueKind::none;
    std::vector<std::string> choices;
    std::string help;
};

struct CommandModel {
    std::string path;  // "" for the root, "token create"
    std::string help;
    std::vector<OptionModel> options;
    std::vector<std::string> subcommands;
    std::optional<OptionModel> positional;  // what bare words complete to
};

// Every visible command from `app` down, the root first ("" path), each
// followed by its subcommands depth-first.
std::vector<CommandModel> collect_model(const CLI::App& app);
// The model as JSON, for `callctl __cli-model` (doc-coverage tests).
nlohmann::ordered_json model_json(const std::vector<CommandModel>& model);

std::string join(const std::vector<std::string>& words, std::string_view separator = " ");
// Every option name that takes a value, anywhere: walking the words typed so
// far, their values must be skipped, not taken for subcommands.
std::vector<std::string> value_options(const std::vector<CommandModel>& model);
// "choice:a b c", "file", "profile", "text" for an option's value; "" for a flag.
std::string kind_word(const OptionModel& option);

// bash and zsh share these shell functions (completion_posix.cpp).
std::string posix_tables(const std::vector<CommandModel>& model);
std::string_view posix_walk();

std::string bash_script(const std::vector<CommandModel>& model);
std::string zsh_script(const std::vector<CommandModel>& model);
std::string fish_script(const std::vector<CommandModel>& model);

}  // namespace callctl::cli
