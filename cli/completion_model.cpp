#include "completion_model.hpp"

#include <set>

#include <CLI/CLI.hpp>

namespace callctl::cli {

using nlohmann::ordered_json;

namespace {

bool hidden(const std::string& group) { return group.empty(); }

OptionModel option_model(const CLI::Option* option) {
    OptionModel model;
    for (const auto& name : option->get_snames()) model.names.push_back("-" + name);
    for (const auto& name : option->get_lnames()) model.names.push_back("--" + name);
    model.kind = value_kind(option);
    model.choices = choices_of(option);
    model.help = option->get_description();
    return model;
}

void collect(const CLI::App& app, const std::string& path, std::vector<CommandModel>& out) {
    CommandModel command;
    command.path = path;
    command.help = app.get_description();
    for (const CLI::Option* option : app.get_options()) {
        if (option == app.get_help_ptr()) {
            command.options.push_back({{"-h", "--help"}, ValueKind::none, {}, "Print help and exit"});
            continue;
        }
        if (hidden(option->get_group())) continue;
        if (option->get_positional() && !option->nonpositional()) {
            if (!command.positional) command.positional = option_model(option);
            continue;
        }
        command.options.push_back(option_model(option));
    }
    out.push_back(command);
    const std::size_t index = out.size() - 1;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App* a) { return !hidden(a->get_group()); })) {
        out[index].subcommands.push_back(sub->get_name());
        collect(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
    }
}

}  // namespace

std::vector<CommandModel> collect_model(const CLI::App& app) {
    std::vector<CommandModel> model;
    collect(app, "", model);
    return model;
}

ordered_json model_json(const std::vector<CommandModel>& model) {
    ordered_json commands = ordered_json::array();
    for (const auto& command : model) {
        ordered_json options = ordered_json::array();
        for (const auto& option : command.options) {
            options.push_back({{"names", option.names}, {"takes_value", option.kind != ValueKind::none}, {"choices", option.choices}});
        }
        commands.push_back({{"path", command.path}, {"subcommands", command.subcommands}, {"options", options}});
    }
    return commands;
}

std::string join(const std::vector<std::string>& words, std::string_view separator) {
    std::string out;
    for (const auto& word : words) {
        if (!out.empty()) out += separator;
        out += word;
    }
    return out;
}

std::vector<std::string> value_options(const std::vector<CommandModel>& model) {
    std::set<std::string> names;
    for (const auto& command : model) {
        for (const auto& option : command.options) {
            if (option.kind != ValueKind::none) names.insert(option.names.begin(), option.names.end());
        }
    }
    return {names.begin(), names.end()};
}

std::string kind_word(const OptionModel& option) {
    switch (option.kind) {
    case ValueKind::choice: return "choice:" + join(option.choices);
    case ValueKind::file: return "file";
    case ValueKind::profile: return "profile";
    case ValueKind::text: return "text";
    case ValueKind::none: return "";
    }
    return "";
}

}  // namespace callctl::cli
