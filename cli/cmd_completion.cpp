// callctl completion bash|zsh|fish: shell completions generated from the
// CLI11 model itself (subcommands, options, enum choices, file options), so
// they cannot drift from the parser. completions/ holds the generated files;
// a test regenerates them and fails on any difference.
//
// Hidden helpers: `callctl __complete profiles` (profile names, asked at TAB
// time) and `callctl __cli-model` (the model as JSON, for doc-coverage tests).
#include <optional>
#include <set>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app.hpp"
#include "callctl/config/config_file.hpp"
#include "callctl/util/strings.hpp"
#include "choices.hpp"

namespace callctl::cli {

namespace {

using nlohmann::ordered_json;

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

std::string join(const std::vector<std::string>& words, std::string_view separator = " ") {
    std::string out;
    for (const auto& word : words) {
        if (!out.empty()) out += separator;
        out += word;
    }
    return out;
}

// Every option name that takes a value, anywhere: walking the words typed so
// far, their values must be skipped, not taken for subcommands.
std::vector<std::string> value_options(const std::vector<CommandModel>& model) {
    std::set<std::string> names;
    for (const auto& command : model) {
        for (const auto& option : command.options) {
            if (option.kind != ValueKind::none) names.insert(option.names.begin(), option.names.end());
        }
    }
    return {names.begin(), names.end()};
}

// "choice:a b c", "file", "profile", "text" for an option's value.
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

// The shell functions bash and zsh share: what follows a command path, and
// what an option's value is. Global options (the root's) apply everywhere.
std::string posix_tables(const std::vector<CommandModel>& model) {
    const CommandModel& root = model.front();
    std::string subcommands = "__callctl_subcommands() {\n    case \"$1\" in\n";
    std::string options = "__callctl_options() {\n    case \"$1\" in\n";
    std::string positionals = "__callctl_positional() {\n    case \"$1\" in\n";
    std::string values = "__callctl_value_kind() {\n    case \"$1|$2\" in\n";
    std::vector<std::string> global_names;
    for (const auto& option : root.options) {
        // Every command has its own -h/--help; the root's would list it twice.
        if (option.names.back() == "--help") continue;
        global_names.insert(global_names.end(), option.names.begin(), option.names.end());
    }

    for (const auto& command : model) {
        if (!command.subcommands.empty()) {
            subcommands += fmt::format("        \"{}\") echo \"{}\" ;;\n", command.path, join(command.subcommands));
        }
        std::vector<std::string> names;
        for (const auto& option : command.options) names.insert(names.end(), option.names.begin(), option.names.end());
        if (!command.path.empty()) names.insert(names.end(), global_names.begin(), global_names.end());
        options += fmt::format("        \"{}\") echo \"{}\" ;;\n", command.path, join(names));
        if (command.positional && command.subcommands.empty()) {
            positionals += fmt::format("        \"{}\") echo \"{}\" ;;\n", command.path,
                                       kind_word(*command.positional).empty() ? "text" : kind_word(*command.positional));
        }
        for (const auto& option : command.options) {
            const std::string kind = kind_word(option);
            if (kind.empty()) continue;
            for (const auto& name : option.names) {
                const std::string scope = command.path.empty() ? "*" : "\"" + command.path + "\"";
                values += fmt::format("        {}\"|{}\") echo \"{}\" ;;\n", scope, name, kind);
            }
        }
    }
    subcommands += "    esac\n}\n";
    options += "    esac\n}\n";
    positionals += "    esac\n}\n";
    values += "    esac\n}\n";
    // Path-specific entries come before the global "*|--x" ones in `case`
    // order only if emitted first; globals are emitted first (root comes first
    // in the model), so move them to the end.
    std::vector<std::string> lines = util::split(values, '\n');
    std::string specific, global;
    for (const auto& line : lines) {
        if (line.find("        *\"|") == 0) {
            global += line + "\n";
        } else if (line.find("        \"") == 0) {
            specific += line + "\n";
        }
    }
    values = "__callctl_value_kind() {\n    case \"$1|$2\" in\n" + specific + global + "    esac\n}\n";
    return subcommands + options + positionals + values;
}

// Walks the typed words (after the program name) to the command path. (Not
// `path`: in zsh that name is tied to $PATH.)
constexpr std::string_view kPosixWalk = R"SH(__callctl_path() {
    # $@: the words before the one being completed, program name excluded.
    local cmd_path="" word next skip=0
    for word in "$@"; do
        if (( skip )); then skip=0; continue; fi
        case "$word" in
            --*=*) continue ;;
            -*) [[ -n "$(__callctl_value_kind "$cmd_path" "$word")" ]] && skip=1; continue ;;
        esac
        for next in $(__callctl_subcommands "$cmd_path"); do
            if [[ "$word" == "$next" ]]; then cmd_path="${cmd_path:+$cmd_path }$word"; break; fi
        done
    done
    printf '%s' "$cmd_path"
}
)SH";

std::string bash_script(const std::vector<CommandModel>& model) {
    std::string script = "# bash completion for callctl. Generated by `callctl completion bash`; do not edit.\n";
    script += posix_tables(model);
    script += kPosixWalk;
    script += R"SH(_callctl() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="" cmd_path kind
    (( COMP_CWORD > 1 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"
    cmd_path=$(__callctl_path "${COMP_WORDS[@]:1:COMP_CWORD-1}")
    if [[ "$prev" == -* ]]; then
        kind=$(__callctl_value_kind "$cmd_path" "$prev")
    fi
    if [[ -z "$kind" && "$cur" != -* && -z "$(__callctl_subcommands "$cmd_path")" ]]; then
        kind=$(__callctl_positional "$cmd_path")
    fi
    case "$kind" in
        choice:*) COMPREPLY=($(compgen -W "${kind#choice:}" -- "$cur")); return ;;
        file) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return ;;
        profile) COMPREPLY=($(compgen -W "$(callctl __complete profiles 2>/dev/null)" -- "$cur")); return ;;
        text) [[ "$prev" == -* ]] && { COMPREPLY=(); return; } ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$(__callctl_options "$cmd_path")" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$(__callctl_subcommands "$cmd_path")" -- "$cur"))
    fi
}
complete -F _callctl callctl
)SH";
    return script;
}

std::string zsh_script(const std::vector<CommandModel>& model) {
    std::string script = "#compdef callctl\n# zsh completion for callctl. Generated by `callctl completion zsh`; do not edit.\n";
    script += posix_tables(model);
    script += kPosixWalk;
    script += R"SH(_callctl() {
    local cur="${words[CURRENT]}" prev="" cmd_path kind
    (( CURRENT > 2 )) && prev="${words[CURRENT-1]}"
    cmd_path=$(__callctl_path "${(@)words[2,CURRENT-1]}")
    if [[ "$prev" == -* ]]; then
        kind=$(__callctl_value_kind "$cmd_path" "$prev")
    fi
    if [[ -z "$kind" && "$cur" != -* && -z "$(__callctl_subcommands "$cmd_path")" ]]; then
        kind=$(__callctl_positional "$cmd_path")
    fi
    case "$kind" in
        choice:*) compadd -- ${=kind#choice:}; return ;;
        file) _files; return ;;
        profile) compadd -- $(callctl __complete profiles 2>/dev/null); return ;;
        text) [[ "$prev" == -* ]] && return ;;
    esac
    if [[ "$cur" == -* ]]; then
        compadd -- $(__callctl_options "$cmd_path")
    else
        compadd -- $(__callctl_subcommands "$cmd_path")
    fi
}
if (( $+functions[compdef] )); then compdef _callctl callctl; fi
)SH";
    return script;
}

std::string fish_quote(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

std::string fish_script(const std::vector<CommandModel>& model) {
    std::string script = "# fish completion for callctl. Generated by `callctl completion fish`; do not edit.\n";
    script += "set -g __callctl_value_options " + join(value_options(model)) + "\n";
    script += "set -g __callctl_commands";
    for (const auto& command : model) {
        if (!command.subcommands.empty()) script += " " + fish_quote(command.path + ":" + join(command.subcommands));
    }
    script += R"SH(
function __callctl_path
    set -l path ''
    set -l skip 0
    for word in (commandline -opc)[2..-1]
        if test $skip -eq 1
            set skip 0
            continue
        end
        if string match -q -- '--*=*' $word
            continue
        else if string match -q -- '-*' $word
            contains -- $word $__callctl_value_options; and set skip 1
            continue
        end
        for entry in $__callctl_commands
            set -l parts (string split -m 1 ':' -- $entry)
            if test "$parts[1]" = "$path"; and contains -- $word (string split ' ' -- $parts[2])
                set path (string trim -- "$path $word")
                break
            end
        end
    end
    echo $path
end
function __callctl_at
    test (__callctl_path) = "$argv[1]"
end
complete -c callctl -f
)SH";
    for (const auto& command : model) {
        const std::string condition = fmt::format("-n {}", fish_quote("__callctl_at " + fish_quote(command.path)));
        for (const auto& name : command.subcommands) {
            std::string help;
            for (const auto& sub : model) {
                if (sub.path == (command.path.empty() ? name : command.path + " " + name)) help = sub.help;
            }
            script += fmt::format("complete -c callctl {} -a {} -d {}\n", condition, fish_quote(name), fish_quote(help));
        }
        if (command.positional && command.subcommands.empty()) {
            const auto& positional = *command.positional;
            if (positional.kind == ValueKind::choice) {
                script += fmt::format("complete -c callctl {} -a {}\n", condition, fish_quote(join(positional.choices)));
            } else if (positional.kind == ValueKind::file) {
                script += fmt::format("complete -c callctl {} -F\n", condition);
            }
        }
        for (const auto& option : command.options) {
            std::string line = "complete -c callctl";
            if (!command.path.empty()) line += " " + condition;
            for (const auto& name : option.names) {
                line += name.size() == 2 ? " -s " + name.substr(1) : " -l " + name.substr(2);
            }
            switch (option.kind) {
            case ValueKind::choice: line += " -x -a " + fish_quote(join(option.choices)); break;
            case ValueKind::file: line += " -r -F"; break;
            case ValueKind::profile: line += " -x -a '(callctl __complete profiles 2>/dev/null)'"; break;
            case ValueKind::text: line += " -x"; break;
            case ValueKind::none: break;
            }
            script += line + " -d " + fish_quote(option.help) + "\n";
        }
    }
    return script;
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

struct CompletionOptions {
    std::string shell;
    std::string what;
};

}  // namespace

void register_completion(CLI::App& app, Context& context) {
    auto options = std::make_shared<CompletionOptions>();
    CLI::App* root = &app;

    CLI::App* completion = app.add_subcommand("completion", "Print a shell completion script (bash, zsh or fish)");
    restrict_to(completion->add_option("shell", options->shell, "The shell")->required(), {"bash", "zsh", "fish"});
    completion->footer("Install: callctl completion bash > ~/.local/share/bash-completion/completions/callctl\n"
                       "         callctl completion zsh > \"${fpath[1]}/_callctl\"\n"
                       "         callctl completion fish > ~/.config/fish/completions/callctl.fish");
    on_run(*completion, context, [options, root](Context& c) -> Status {
        std::vector<CommandModel> model;
        collect(*root, "", model);
        const std::string script = options->shell == "bash"  ? bash_script(model)
                                   : options->shell == "zsh" ? zsh_script(model)
                                                             : fish_script(model);
        std::fwrite(script.data(), 1, script.size(), stdout);
        (void)c;
        return {};
    });

    CLI::App* complete = app.add_subcommand("__complete", "Values for shell completion")->group("");
    complete->add_option("what", options->what)->required();
    on_run(*complete, context, [options](Context& c) -> Status {
        if (options->what != "profiles") return {};
        auto file = config::ConfigFile::load(config::config_path(c.flags, c.env()));
        if (!file) return {};  // completion must never print errors
        for (const auto& name : file->profile_names()) std::printf("%s\n", name.c_str());
        return {};
    });

    CLI::App* dump = app.add_subcommand("__cli-model", "The command-line model as JSON")->group("");
    on_run(*dump, context, [root](Context&) -> Status {
        std::vector<CommandModel> model;
        collect(*root, "", model);
        std::printf("%s\n", model_json(model).dump(2).c_str());
        return {};
    });
}

}  // namespace callctl::cli
