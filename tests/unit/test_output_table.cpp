#include <doctest/doctest.h>

#include "callctl/output/json.hpp"
#include "callctl/output/table.hpp"

using namespace callctl::output;

TEST_CASE("table: aligned columns, no trailing spaces") {
    Table table({"ID", "STATUS", "TITLE"});
    table.add_row({"1", "Started", "Standup"});
    table.add_row({"1042", "Ended", "A"});
    table.set_align(0, Align::right);
    CHECK(table.render() ==
          "  ID  STATUS   TITLE\n"
          "   1  Started  Standup\n"
          "1042  Ended    A\n");
}

TEST_CASE("table: fits the width by shrinking the widest column") {
    Table table({"CALL ID", "TITLE"});
    table.add_row({"e76e1d8a-8267-4bd4-ba5c-00ab76743e74", "A rather long title for a call"});
    table.set_keep(0);
    const std::string out = table.render(50);
    CHECK(out ==
          "CALL ID                               TITLE\n"
          "e76e1d8a-8267-4bd4-ba5c-00ab76743e74  A rather lo\u2026\n");
    for (const auto& line : {out.substr(0, out.find('\n'))}) CHECK(display_width(line) <= 50);
}

TEST_CASE("table: gives up shrinking at the minimum column width") {
    Table table({"A", "B"});
    table.add_row({"aaaaaaaaaa", "bbbbbbbbbb"});
    CHECK(table.render(4) == "A      B\naaaa\u2026  bbbb\u2026\n");
}

TEST_CASE("table: ragged rows and headerless tables") {
    Table table;
    table.add_row({"a", "b", "c"});
    table.add_row({"dd"});
    CHECK(table.render() == "a   b  c\ndd\n");
}

TEST_CASE("table: UTF-8 counts code points, colour does not count as width") {
    CHECK(display_width("caf\u00e9") == 4);
    CHECK(truncate_to_width("caf\u00e9 au lait", 5) == "caf\u00e9\u2026");
    Table table({"X"});
    table.add_row({"y"});
    CHECK(table.render(0, Style{true}) == "\x1b[1mX\x1b[0m\ny\n");
}

TEST_CASE("fields: keys padded to one width") {
    CHECK(render_fields({{"Status", "Started"}, {"Id", "42"}}) == "Status:  Started\nId:      42\n");
}

TEST_CASE("json: compact when piped, pretty on a terminal, cell text") {
    nlohmann::json value = {{"b", 1}, {"a", {1, 2}}};
    CHECK(dump_json(value, false) == R"({"a":[1,2],"b":1})");
    CHECK(dump_json(value, true) == "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": 1\n}");
    CHECK(cell_text(nullptr) == "-");
    CHECK(cell_text("x") == "x");
    CHECK(cell_text(nlohmann::json::array({1})) == "[1]");
    // Invalid UTF-8 from a server is replaced, not thrown.
    CHECK(dump_json(nlohmann::json("a\xff"), false) == "\"a\xEF\xBF\xBD\"");
}
