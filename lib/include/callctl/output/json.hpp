// JSON as callctl writes it: stable (keys in a fixed order), pretty with two
// spaces on a terminal, compact when piped; NDJSON is one compact value a line.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace callctl::output {

std::string dump_json(const nlohmann::json& value, bool pretty);
std::string dump_json(const nlohmann::ordered_json& value, bool pretty);

// Turns a JSON scalar into table-cell text: strings unquoted, null as "-",
// arrays/objects compact.
std::string cell_text(const nlohmann::json& value);

}  // namespace callctl::output
