// Line readers' one limit (callctl(1), EXIT STATUS): a line longer than
// line_limit is refused (exit 3) rather than held, so a hostile file or pipe
// without a newline cannot make a reader grow without bound.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <string_view>

namespace callctl::util {

inline constexpr std::size_t line_limit = std::size_t{16} << 20;  // 16 MiB

enum class LineRead { line, too_long, end };

// The next line of `in` into `line`, without its '\n'. A line longer than
// `limit` is read on to its end, dropped (`line` empty) and reported as
// too_long; the next call reads the line after it. `end` when nothing is left.
LineRead read_line(std::istream& in, std::string& line, std::size_t limit = line_limit);

// For text already read: the 1-based number of its first line longer than
// `limit`, or 0 when there is none.
std::size_t first_long_line(std::string_view text, std::size_t limit = line_limit);

// "line 3 is longer than 16 MiB", for error messages.
std::string long_line_text(std::size_t line_number);

}  // namespace callctl::util
