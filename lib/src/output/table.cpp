#include "callctl/output/table.hpp"

#include <algorithm>
#include <array>
#include <numeric>

#include "callctl/util/strings.hpp"

namespace callctl::output {

namespace {

constexpr std::string_view kGap = "  ";
constexpr std::size_t kMinColumn = 5;  // below this a column says nothing

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::string pad(std::string_view text, std::size_t width, Align align) {
    const std::size_t used = display_width(text);
    const std::string fill(width > used ? width - used : 0, ' ');
    return align == Align::left ? std::string(text) + fill : fill + std::string(text);
}

void strip_trailing_spaces(std::string& line) {
    while (!line.empty() && line.back() == ' ') line.pop_back();
}

}  // namespace

namespace {

// The SGR sequences bold() and colorize_status() write; with colour on they
// are kept in a cell, every other control character is escaped.
constexpr std::array<std::string_view, 6> kStyleCodes = {"\x1b[0m", "\x1b[1m", "\x1b[2m", "\x1b[31m", "\x1b[32m", "\x1b[33m"};

bool is_c1_at(std::string_view text, std::size_t i) {
    return static_cast<unsigned char>(text[i]) == 0xc2 && i + 1 < text.size() &&
           static_cast<unsigned char>(text[i + 1]) >= 0x80 && static_cast<unsigned char>(text[i + 1]) < 0xa0;
}

std::string escape(std::string_view text, bool keep_style) {
    const bool plain = std::none_of(text.begin(), text.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return c < 0x20 || c == 0x7f || c == 0xc2;
    });
    if (plain) return std::string(text);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size() + 16);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == 0x1b && keep_style) {
            const auto code = std::find_if(kStyleCodes.begin(), kStyleCodes.end(),
                                           [&](std::string_view sgr) { return text.substr(i, sgr.size()) == sgr; });
            if (code != kStyleCodes.end()) {
                out += *code;
                i += code->size() - 1;
                continue;
            }
        }
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else if (is_c1_at(text, i)) {
            const auto code = static_cast<unsigned char>(text[++i]);  // U+0080..U+009F
            out += "\\u00";
            out += kHex[code >> 4];
            out += kHex[code & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

}  // namespace

std::string escape_controls(std::string_view text) { return escape(text, false); }

std::size_t display_width(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) { return !is_continuation_byte(c); }));
}

std::string truncate_to_width(std::string_view text, std::size_t width) {
    if (display_width(text) <= width) return std::string(text);
    if (width == 0) return {};
    std::string out;
    std::size_t columns = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!is_continuation_byte(text[i])) {
            if (columns == width - 1) break;
            ++columns;
        }
        out.push_back(text[i]);
    }
    return out + "\u2026";
}

std::string bold(std::string_view text, Style style) {
    if (!style.color) return std::string(text);
    return "\x1b[1m" + std::string(text) + "\x1b[0m";
}

std::string colorize_status(std::string_view word, Style style) {
    if (!style.color) return std::string(word);
    const std::string lower = util::to_lower(word);
    const char* code = nullptr;
    if (lower == "started" || lower == "ok" || lower == "validated" || lower == "valid" || lower == "join") {
        code = "32";  // green
    } else if (lower == "planned" || lower == "invited" || lower == "expiring") {
        code = "33";  // yellow
    } else if (lower == "ended" || lower == "leave") {
        code = "2";  // dim
    } else if (lower == "error" || lower == "expired" || lower == "failed") {
        code = "31";  // red
    }
    if (code == nullptr) return std::string(word);
    return "\x1b[" + std::string(code) + "m" + std::string(word) + "\x1b[0m";
}

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)), align_(headers_.size(), Align::left), keep_(headers_.size(), false) {}

void Table::set_align(std::size_t column, Align align) {
    if (column >= align_.size()) align_.resize(column + 1, Align::left);
    align_[column] = align;
}

void Table::set_keep(std::size_t column, bool keep) {
    if (column >= keep_.size()) keep_.resize(column + 1, false);
    keep_[column] = keep;
}

void Table::add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

std::string Table::render(std::size_t max_width, Style style) const {
    // Cells hold outside text (a server's message, a call title): escaped
    // before anything is measured, so widths are those of what is shown.
    // With colour on, the codes of colorize_status() and bold() stay.
    const auto shown = [&](const std::vector<std::string>& cells) {
        std::vector<std::string> out;
        out.reserve(cells.size());
        for (const auto& cell : cells) out.push_back(escape(cell, style.color));
        return out;
    };
    const std::vector<std::string> headers = shown(headers_);
    std::vector<std::vector<std::string>> rows;
    rows.reserve(rows_.size());
    for (const auto& row : rows_) rows.push_back(shown(row));

    std::size_t columns = headers.size();
    for (const auto& row : rows) columns = std::max(columns, row.size());
    if (columns == 0) return {};

    std::vector<std::size_t> widths(columns, 0);
    for (std::size_t c = 0; c < headers.size(); ++c) widths[c] = display_width(headers[c]);
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
    }

    // Shrink the widest shrinkable column, one column at a time, until the
    // table fits or nothing more can give.
    if (max_width > 0) {
        auto total = [&] { return std::accumulate(widths.begin(), widths.end(), std::size_t{0}) + kGap.size() * (columns - 1); };
        while (total() > max_width) {
            std::size_t widest = columns;
            for (std::size_t c = 0; c < columns; ++c) {
                const bool keep = c < keep_.size() && keep_[c];
                if (keep || widths[c] <= kMinColumn) continue;
                if (widest == columns || widths[c] > widths[widest]) widest = c;
            }
            if (widest == columns) break;
            const std::size_t excess = total() - max_width;
            const std::size_t room = widths[widest] - kMinColumn;
            widths[widest] -= std::min(excess, std::max<std::size_t>(1, std::min(room, excess)));
        }
    }

    auto render_line = [&](const std::vector<std::string>& cells, bool header) {
        std::string line;
        for (std::size_t c = 0; c < columns; ++c) {
            const std::string text = c < cells.size() ? truncate_to_width(cells[c], widths[c]) : std::string();
            const Align align = c < align_.size() ? align_[c] : Align::left;
            std::string cell = pad(text, widths[c], align);
            if (header && style.color) {
                // Pad first, then style, so escape codes do not count as width.
                cell = bold(cell, style);
            }
            if (c > 0) line += kGap;
            line += cell;
        }
        strip_trailing_spaces(line);
        return line + "\n";
    };

    std::string out;
    if (!headers.empty()) out += render_line(headers, true);
    for (const auto& row : rows) out += render_line(row, false);
    return out;
}

std::string render_fields(const std::vector<std::pair<std::string, std::string>>& fields, std::size_t max_width,
                          Style style) {
    std::size_t key_width = 0;
    std::vector<std::pair<std::string, std::string>> shown;  // escaped, as Table::render does
    shown.reserve(fields.size());
    for (const auto& [key, value] : fields) shown.emplace_back(escape(key, style.color), escape(value, style.color));
    for (const auto& [key, value] : shown) key_width = std::max(key_width, display_width(key) + 1);
    std::string out;
    for (const auto& [key, value] : shown) {
        std::string line = bold(pad(key + ":", key_width, Align::left), style) + "  ";
        const std::size_t room = max_width > key_width + 2 ? max_width - key_width - 2 : 0;
        line += max_width > 0 && room >= kMinColumn ? truncate_to_width(value, room) : value;
        strip_trailing_spaces(line);
        out += line + "\n";
    }
    return out;
}

}  // namespace callctl::output
