#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace callctl::util {

std::string to_lower(std::string_view text);
std::string to_upper(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
bool icontains(std::string_view haystack, std::string_view needle);
std::string_view trim(std::string_view text);
std::vector<std::string> split(std::string_view text, char separator);
bool starts_with(std::string_view text, std::string_view prefix);
// One or more of 0-9, nothing else (no sign, no space).
bool all_digits(std::string_view text);

// "mobile-number", "MOBILE_NUMBER", "Mobile_Number" -> "mobile-number": the
// one spelling enum values are compared in (cli.md: case-insensitive, wire
// spelling accepted).
std::string normalize_enum(std::string_view text);
// "mobile-number" -> "MOBILE_NUMBER"
std::string to_wire_enum(std::string_view text);

}  // namespace callctl::util
