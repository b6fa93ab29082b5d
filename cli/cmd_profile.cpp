// callctl profile list|show|set|unset|use|delete: named profiles in
// config.json, so nobody edits JSON by hand.
#include <filesystem>
#include <functional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app.hpp"
#include "callctl/config/config_file.hpp"
#include "callctl/config/credentials.hpp"
#include "callctl/config/setting_table.hpp"
#include "callctl/output/table.hpp"

namespace callctl::cli {

namespace {

using nlohmann::json;

struct ProfileOptions {
    std::string name;
    std::string key;
    std::string value;
    bool create = false;
};

// Profile commands work on the config file itself, so they take the profile
// name without insisting that it exists yet (`profile set` creates it).
struct ConfigTarget {
    config::ConfigFile file;
    config::ProfileChoice choice;
};

Result<ConfigTarget> open_config(Context& context) {
    auto file = config::ConfigFile::load(config::config_path(context.flags, context.env()));
    if (!file) return file.error();
    config::ProfileChoice choice = config::choose_profile(context.flags, context.env(), *file);
    return ConfigTarget{std::move(*file), std::move(choice)};
}

// A change of config.json: read under its lock, changed, written before the
// lock goes (ConfigFile::update), so concurrent `profile set`s all land.
// `change` gets the file as it is now and the profile chosen from it; the
// chosen profile is returned for the message.
using ConfigChange = std::function<Result<bool>(config::ConfigFile&, const config::ProfileChoice&)>;

Result<config::ProfileChoice> change_config(Context& context, const ConfigChange& change) {
    config::ProfileChoice chosen;
    auto updated = config::ConfigFile::update(config::config_path(context.flags, context.env()),
                                              [&](config::ConfigFile& file) -> Result<bool> {
                                                  chosen = config::choose_profile(context.flags, context.env(), file);
                                                  return change(file, chosen);
                                              });
    if (!updated) return updated.error();
    return chosen;
}

// A hand edit may leave anything there; `profile list` must still list.
std::string string_or_empty(const json& object, const char* key) {
    return object.contains(key) && object[key].is_string() ? object[key].get<std::string>() : "";
}

std::string text_or_dash(const json& object, const char* key) {
    if (object.contains(key) && !object[key].is_null()) return object[key].is_string() ? object[key].get<std::string>() : object[key].dump();
    return "-";
}

Status run_list(Context& context) {
    auto target = open_config(context);
    if (!target) return target.error();
    const auto current = target->file.current_profile().value_or(std::string(config::find_setting("profile")->default_value));
    json list = json::array();
    for (const auto& name : target->file.profile_names()) {
        json profile = target->file.profile(name);
        list.push_back({{"name", name},
                        {"current", name == current},
                        {"token_url", string_or_empty(profile, "token_url")},
                        {"rest_url", string_or_empty(profile, "rest_url")},
                        {"graphql_url", string_or_empty(profile, "graphql_url")}});
    }
    Printer& out = context.out();
    out.result(list, [&] {
        if (list.empty()) {
            return fmt::format("no profiles in {}\n(create one with `callctl profile set token_url URL`)\n",
                               target->file.path().string());
        }
        output::Table table({"", "PROFILE", "TOKEN URL", "REST URL", "GRAPHQL URL"});
        for (const auto& row : list) {
            table.add_row({row["current"].get<bool>() ? "*" : "", row["name"].get<std::string>(), text_or_dash(row, "token_url"),
                           text_or_dash(row, "rest_url"), text_or_dash(row, "graphql_url")});
        }
        table.set_keep(1);
        return table.render(out.width(), out.style());
    });
    return {};
}

// A profile row in `profile show -o json`: URLs with their source, numbers
// as numbers, no value as null.
json shown_json(const config::SettingRow& row, const config::SettingValue& value) {
    const json text = value.text.empty() ? json() : json(value.text);
    switch (row.type) {
    case config::SettingType::url: return {{"value", text}, {"source", config::to_string(value.source)}};
    case config::SettingType::seconds: return value.number;
    case config::SettingType::count: return static_cast<int>(value.number);
    default: return text;
    }
}

// The same as a `profile show -o table` line's text.
std::string shown_text(const config::SettingRow& row, const config::SettingValue& value) {
    if (value.text.empty()) return std::string(row.unset_text.empty() ? "-" : row.unset_text);
    std::string text(row.shown_as.empty() ? (row.type == config::SettingType::url ? "{value}  ({source})" : "{value}")
                                          : row.shown_as);
    for (const auto& [from, to] : {std::pair<std::string_view, std::string_view>{"{value}", value.text},
                                   {"{source}", config::to_string(value.source)}}) {
        if (const auto at = text.find(from); at != std::string::npos) text.replace(at, from.size(), to);
    }
    return text;
}

Status run_show(const ProfileOptions& options, Context& context) {
    if (!options.name.empty()) context.flags.profile = options.name;
    auto settings = config::resolve(context.flags, context.env());
    if (!settings) return settings.error();
    auto store = config::CredentialStore::load(settings->credentials_path);
    if (!store) return store.error();
    const auto token = store->get(settings->profile);

    json documents = json::array();
    std::string documents_text;
    for (const auto& [operation, document] : settings->graphql_documents) {
        documents.push_back(operation);
        documents_text += (documents_text.empty() ? "" : ", ") + operation;
    }
    json shown = {
        {"profile", settings->profile},
        {"profile_source", config::to_string(settings->profile_source)},
        {"config_file", settings->config_path.string()},
        {"credentials_file", settings->credentials_path.string()},
        {"graphql_documents", documents},
        {"stored_token", token.has_value()},
    };
    std::vector<std::pair<std::string, std::string>> fields = {
        {"Profile", fmt::format("{}  ({})", settings->profile, config::to_string(settings->profile_source))},
        {"Config", settings->config_path.string()},
        {"Credentials", settings->credentials_path.string()},
    };
    std::string_view last_label;
    for (const config::SettingRow* row : config::profile_rows()) {
        const config::SettingValue& value = settings->value(row->name);
        shown[std::string(row->name)] = shown_json(*row, value);
        if (row->label.empty()) continue;
        if (row->label == last_label) {
            fields.back().second += ", " + shown_text(*row, value);  // "Timeouts: 30 s, connect 10 s"
        } else {
            fields.emplace_back(row->label, shown_text(*row, value));
        }
        last_label = row->label;
    }
    fields.emplace_back("GraphQL documents", documents_text.empty() ? "built-in" : documents_text);
    fields.emplace_back("Stored token", token ? "yes (see `callctl token show`)" : "no");

    Printer& out = context.out();
    out.result(shown, [&] { return output::render_fields(fields, out.width(), out.style()); });
    return {};
}

Status run_set(const ProfileOptions& options, Context& context) {
    auto chosen = change_config(context, [&](config::ConfigFile& file, const config::ProfileChoice& choice) -> Result<bool> {
        if (auto set = file.set(choice.name, options.key, options.value); !set) return set.error();
        return true;
    });
    if (!chosen) return chosen.error();
    if (!context.out().quiet()) {
        context.out().result(json{{"profile", chosen->name}, {"set", options.key}},
                             [&] { return fmt::format("profile '{}': {} set\n", chosen->name, options.key); });
    }
    return {};
}

Status run_unset(const ProfileOptions& options, Context& context) {
    auto chosen = change_config(context, [&](config::ConfigFile& file, const config::ProfileChoice& choice) -> Result<bool> {
        if (file.unset(choice.name, options.key)) return true;
        const config::SettingRow* row = config::find_setting(options.key);
        if ((row == nullptr || !row->in_profile) && options.key.rfind("graphql.", 0) != 0) {
            return make_error(ExitCode::usage, fmt::format("unknown profile key '{}'", options.key),
                              "keys: " + config::profile_keys_text());
        }
        return make_error(ExitCode::usage, fmt::format("profile '{}' has no {}", choice.name, options.key));
    });
    if (!chosen) return chosen.error();
    return {};
}

Status run_use(const ProfileOptions& options, Context& context) {
    auto chosen = change_config(context, [&](config::ConfigFile& file, const config::ProfileChoice&) -> Result<bool> {
        if (!file.has_profile(options.name) && !options.create) {
            return make_error(ExitCode::usage, fmt::format("no profile '{}' in {}", options.name, file.path().string()),
                              "create it with `callctl profile use --create NAME` or `callctl --profile NAME profile set KEY VALUE`");
        }
        file.set_current_profile(options.name);
        return true;
    });
    if (!chosen) return chosen.error();
    if (!context.out().quiet() && context.out().is_table()) context.out().line(fmt::format("now using profile '{}'", options.name));
    return {};
}

Status run_delete(const ProfileOptions& options, Context& context) {
    const std::filesystem::path config_path = config::config_path(context.flags, context.env());
    auto chosen = change_config(context, [&](config::ConfigFile& file, const config::ProfileChoice&) -> Result<bool> {
        if (file.remove_profile(options.name)) return true;
        return make_error(ExitCode::usage, fmt::format("no profile '{}' in {}", options.name, file.path().string()));
    });
    if (!chosen) return chosen.error();
    // Its stored credentials go with it, every slot.
    return config::CredentialStore::update(config_path.parent_path() / "credentials.json",
                                           [&](config::CredentialStore& store) -> Result<bool> {
                                               return store.erase_profile(options.name);
                                           });
}

}  // namespace

void register_profile(CLI::App& app, Context& context) {
    CLI::App* profile = app.add_subcommand("profile", "List, show, set and switch configuration profiles");
    profile->require_subcommand(1);
    auto options = std::make_shared<ProfileOptions>();
    // Every subcommand but `show` works on the file itself, and is how a bad
    // value in it gets repaired: such a value must not stop them.
    auto repairs = [&context](CLI::App* command) {
        command->preparse_callback([&context](std::size_t) { context.profile_values = config::ProfileValues::skip_invalid; });
    };

    CLI::App* list = profile->add_subcommand("list", "List the profiles in the config file");
    repairs(list);
    on_run(*list, context, [](Context& c) { return run_list(c); });

    CLI::App* show = profile->add_subcommand("show", "Show the effective settings of a profile, and where each came from");
    show->add_option("name", options->name, "Profile (default: the current one)");
    on_run(*show, context, [options](Context& c) { return run_show(*options, c); });

    CLI::App* set = profile->add_subcommand("set", "Set a key of the current profile (or --profile NAME), creating it");
    set->add_option("key", options->key, config::profile_keys_text())->required();
    set->add_option("value", options->value, "The value (for graphql.<Operation>: a document, or @FILE)")->required();
    repairs(set);
    on_run(*set, context, [options](Context& c) { return run_set(*options, c); });

    CLI::App* unset = profile->add_subcommand("unset", "Remove a key from the current profile (or --profile NAME)");
    unset->add_option("key", options->key, "The key to remove")->required();
    repairs(unset);
    on_run(*unset, context, [options](Context& c) { return run_unset(*options, c); });

    CLI::App* use = profile->add_subcommand("use", "Make a profile the current one");
    use->add_option("name", options->name, "Profile name")->required();
    use->add_flag("--create", options->create, "Create it if it does not exist");
    repairs(use);
    on_run(*use, context, [options](Context& c) { return run_use(*options, c); });

    CLI::App* remove = profile->add_subcommand("delete", "Delete a profile and its stored credentials");
    remove->add_option("name", options->name, "Profile name")->required();
    repairs(remove);
    on_run(*remove, context, [options](Context& c) { return run_delete(*options, c); });
}

}  // namespace callctl::cli
