// Control characters from outside (a server's message, a call title, a device
// id) are shown escaped in every human-readable output (callctl(1), SECURITY).
#include <doctest/doctest.h>

#include <string>

#include "callctl/output/table.hpp"

using namespace callctl::output;

TEST_CASE("escape_controls: ESC sequences, BEL, CR and C1 controls become visible") {
    CHECK(escape_controls("plain caf\u00e9 \u2026") == "plain caf\u00e9 \u2026");
    CHECK(escape_controls("\x1b]0;owned\x07") == "\\x1b]0;owned\\x07");
    CHECK(escape_controls("\x1b]52;c;ZXZpbA==\x07") == "\\x1b]52;c;ZXZpbA==\\x07");
    CHECK(escape_controls("\x1b[2K\rhidden") == "\\x1b[2K\\rhidden");
    CHECK(escape_controls("a\nb\tc\x7f") == "a\\nb\\tc\\x7f");
    CHECK(escape_controls(std::string("nul\0", 4)) == "nul\\x00");
    CHECK(escape_controls("csi \xc2\x9b" "2J") == "csi \\u009b2J");
    CHECK(escape_controls("\xc2\xa0nbsp") == "\xc2\xa0nbsp");  // U+00A0 is printable
    CHECK(escape_controls("trailing \xc2") == "trailing \xc2");
}

TEST_CASE("table: cells and headers are escaped, widths measured on what is shown") {
    Table table({"ID", "TITLE\x07"});
    table.add_row({"c1", "Standup \x1b]0;owned\x07"});
    table.add_row({"c2", "ok"});
    CHECK(table.render() ==
          "ID  TITLE\\x07\n"
          "c1  Standup \\x1b]0;owned\\x07\n"
          "c2  ok\n");
}

TEST_CASE("table: with colour on, callctl's own codes stay and nothing else") {
    Table table;  // headerless: a report's lines
    table.add_row({colorize_status("error", Style{true}) + " \x1b[2J\x1b]0;x\x07"});
    CHECK(table.render(0, Style{true}) == "\x1b[31merror\x1b[0m \\x1b[2J\\x1b]0;x\\x07\n");
    // Colour off: none of ours were written, so every ESC is someone else's.
    Table plain({"S"});
    plain.add_row({"\x1b[31mred\x1b[0m"});
    CHECK(plain.render() == "S\n\\x1b[31mred\\x1b[0m\n");
}

TEST_CASE("fields: keys and values are escaped") {
    CHECK(render_fields({{"Title", "a\rb"}, {"K\x1b", "v"}}) == "Title:  a\\rb\nK\\x1b:  v\n");
}
