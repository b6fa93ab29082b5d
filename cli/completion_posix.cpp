// What the bash and zsh scripts share: case tables of the model, and the walk
// of the typed words to the command path.
#include <fmt/format.h>

#include "callctl/util/strings.hpp"
#include "completion_model.hpp"

namespace callctl::cli {

namespace {

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

}  // namespace

std::string_view posix_walk() { return kPosixWalk; }

// What follows a command path, and what an option's value is. Global options
// (the root's) apply everywhere.
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

}  // namespace callctl::cli
