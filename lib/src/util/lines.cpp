#include "callctl/util/lines.hpp"

#include <fmt/format.h>

namespace callctl::util {

LineRead read_line(std::istream& in, std::string& line, std::size_t limit) {
    line.clear();
    bool too_long = false;
    bool any = false;
    std::streambuf* buffer = in.rdbuf();
    if (buffer == nullptr) return LineRead::end;
    for (;;) {
        const int c = buffer->sbumpc();
        if (c == std::char_traits<char>::eof()) {
            in.setstate(std::ios::eofbit);
            break;
        }
        any = true;
        if (c == '\n') break;
        if (too_long) continue;
        if (line.size() == limit) {
            too_long = true;
            line.clear();
            line.shrink_to_fit();
            continue;
        }
        line.push_back(static_cast<char>(c));
    }
    if (too_long) return LineRead::too_long;
    return any ? LineRead::line : LineRead::end;
}

std::size_t first_long_line(std::string_view text, std::size_t limit) {
    std::size_t number = 1;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        if (end - start > limit) return number;
        start = end + 1;
        ++number;
    }
    return 0;
}

std::string long_line_text(std::size_t line_number) {
    return fmt::format("line {} is longer than {} MiB", line_number, line_limit >> 20);
}

}  // namespace callctl::util
