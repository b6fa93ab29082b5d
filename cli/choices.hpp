// Option metadata CLI11 does not keep, used by parsing and by `callctl
// completion`: the allowed values of enum options, and which options name
// files. Enum values are case-insensitive and accept the wire spelling too
// (callctl(1): `MOBILE_NUMBER` == `mobile-number`); the option's variable always
// receives the lower-case, dash-separated form.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class Option;
}

namespace callctl::cli {

enum class ValueKind { none, text, choice, file, profile };

CLI::Option* restrict_to(CLI::Option* option, std::vector<std::string> choices);
// Names a vendor spells its own way (on_call_incoming): accepted as given, in
// any case, and offered by completion as they are.
CLI::Option* restrict_to_names(CLI::Option* option, std::vector<std::string> names);
CLI::Option* completes_files(CLI::Option* option);
CLI::Option* completes_profiles(CLI::Option* option);

ValueKind value_kind(const CLI::Option* option);
// Empty unless value_kind() is choice.
const std::vector<std::string>& choices_of(const CLI::Option* option);

}  // namespace callctl::cli
