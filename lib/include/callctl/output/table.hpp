// A text table that renders to a string: aligned columns, fitted to a width
// by shrinking the widest columns (with an ellipsis) rather than wrapping.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace callctl::output {

enum class Align { left, right };

struct Style {
    bool color = false;  // ANSI styling of the header and status words
};

class Table {
public:
    // Headers of 0 columns make a headerless table (key/value reports).
    explicit Table(std::vector<std::string> headers = {});

    void set_align(std::size_t column, Align align);
    // Columns that must never be shortened (ids a user will copy).
    void set_keep(std::size_t column, bool keep = true);
    void add_row(std::vector<std::string> cells);
    std::size_t rows() const { return rows_.size(); }

    // `max_width` 0 means unlimited. Lines end in '\n'; no trailing spaces.
    std::string render(std::size_t max_width = 0, Style style = {}) const;

private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
    std::vector<Align> align_;
    std::vector<bool> keep_;
};

// Key/value lines ("Status:  Started"), keys padded to one width.
std::string render_fields(const std::vector<std::pair<std::string, std::string>>& fields, std::size_t max_width = 0,
                          Style style = {});

// Display width of UTF-8 text (code points; good enough for our data).
std::size_t display_width(std::string_view text);
// Shortens to `width` display columns, ending in "…" when cut.
std::string truncate_to_width(std::string_view text, std::size_t width);

// Text from outside (a server's message, a call title, a device id) as a
// terminal may show it: C0 control characters, DEL and the C1 controls
// (U+0080..U+009F) become visible escapes (\n, \r, \t, \x1b, \u009b), so
// an ESC sequence cannot retitle the window, write the clipboard or erase
// the line, and a CR cannot hide what came before it. Everything else,
// UTF-8 included, is kept as it is. Every human-readable output goes
// through it (callctl(1), SECURITY); JSON output escapes them already.
std::string escape_controls(std::string_view text);

// "Started" -> green, "Ended" -> dim, "error" -> red ... when style.color.
std::string colorize_status(std::string_view word, Style style);
std::string bold(std::string_view text, Style style);

}  // namespace callctl::output
