// callctl completion bash|zsh|fish: shell completions generated from the
// CLI11 model itself (subcommands, options, enum choices, file options), so
// they cannot drift from the parser. completions/ holds the generated files;
// a test regenerates them and fails on any difference.
//
// Hidden helpers: `callctl __complete profiles` (profile names, asked at TAB
// time) and `callctl __cli-model` (the model as JSON, for doc-coverage tests).
#include <memory>

#include <CLI/CLI.hpp>

#include "app.hpp"
#include "callctl/config/config_file.hpp"
#include "completion_model.hpp"

namespace callctl::cli {

namespace {

struct CompletionOptions {
    std::string shell;
    std::string what;
};

}  // namespace

void register_completion(CLI::App& app, Context& context) {
    auto options = std::make_shared<CompletionOptions>();
    CLI::App* root = &app;
    // None of these reads a setting: a bad value in the profile must not stop them.
    auto without_settings = [&context](CLI::App* command) {
        command->preparse_callback([&context](std::size_t) { context.profile_values = config::ProfileValues::skip_invalid; });
    };

    CLI::App* completion = app.add_subcommand("completion", "Print a shell completion script (bash, zsh or fish)");
    restrict_to(completion->add_option("shell", options->shell, "The shell")->required(), {"bash", "zsh", "fish"});
    completion->footer("Install: callctl completion bash > ~/.local/share/bash-completion/completions/callctl\n"
                       "         callctl completion zsh > \"${fpath[1]}/_callctl\"\n"
                       "         callctl completion fish > ~/.config/fish/completions/callctl.fish");
    without_settings(completion);
    on_run(*completion, context, [options, root](Context& c) -> Status {
        const std::vector<CommandModel> model = collect_model(*root);
        const std::string script = options->shell == "bash"  ? bash_script(model)
                                   : options->shell == "zsh" ? zsh_script(model)
                                                             : fish_script(model);
        c.out().text(script);  // checked, as every write to stdout is
        return {};
    });

    CLI::App* complete = app.add_subcommand("__complete", "Values for shell completion")->group("");
    complete->add_option("what", options->what)->required();
    without_settings(complete);
    on_run(*complete, context, [options](Context& c) -> Status {
        if (options->what != "profiles") return {};
        auto file = config::ConfigFile::load(config::config_path(c.flags, c.env()));
        if (!file) return {};  // completion must never print errors
        for (const auto& name : file->profile_names()) c.out().line(name);
        return {};
    });

    CLI::App* dump = app.add_subcommand("__cli-model", "The command-line model as JSON")->group("");
    without_settings(dump);
    on_run(*dump, context, [root](Context& c) -> Status {
        c.out().line(model_json(collect_model(*root)).dump(2));
        return {};
    });
}

}  // namespace callctl::cli
