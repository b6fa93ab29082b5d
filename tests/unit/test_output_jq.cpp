#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "callctl/output/jq.hpp"

using callctl::ExitCode;
using callctl::output::JqFilter;
using callctl::output::JqOutput;
using nlohmann::json;

namespace {

JqFilter compiled(const std::string& expression) {
    auto filter = JqFilter::compile(expression);
    REQUIRE_MESSAGE(filter.has_value(), expression);
    return std::move(*filter);
}

std::vector<std::string> texts(const std::vector<JqOutput>& outputs) {
    std::vector<std::string> out;
    for (const auto& output : outputs) out.push_back(output.text);
    return out;
}

std::vector<std::string> run(const std::string& expression, const json& input) {
    auto filter = compiled(expression);
    auto outputs = filter.run(input);
    REQUIRE_MESSAGE(outputs.has_value(), outputs.error().message);
    return texts(*outputs);
}

}  // namespace

TEST_CASE("jq: strings come out raw, everything else as compact JSON") {
    const json log = {{"callStatus", "Started"}, {"id", 7}, {"invited", {{{"userId", "alice"}}}}, {"note", nullptr}};
    CHECK(run(".callStatus", log) == std::vector<std::string>{"Started"});
    CHECK(run(".id", log) == std::vector<std::string>{"7"});
    CHECK(run(".invited", log) == std::vector<std::string>{R"([{"userId":"alice"}])"});
    CHECK(run(".note", log) == std::vector<std::string>{"null"});
    CHECK(run("{s: .callStatus}", log) == std::vector<std::string>{R"({"s":"Started"})"});
    // A string with a newline, quotes and a NUL is its bytes, unescaped (jq -r).
    CHECK(run(".", json("a\"b\nc")) == std::vector<std::string>{"a\"b\nc"});
    CHECK(run(".", json(std::string("a\0b", 3))) == std::vector<std::string>{std::string("a\0b", 3)});
    // ...but inside an array it is JSON.
    CHECK(run("[.]", json("a\nb")) == std::vector<std::string>{R"(["a\nb"])"});
}

TEST_CASE("jq: several outputs, none, and truthiness as jq -e sees it") {
    CHECK(run(".[]", json::array({1, "two", false})) == std::vector<std::string>{"1", "two", "false"});
    CHECK(run("empty", json::object()).empty());
    CHECK(run(".a, .b", json{{"a", 1}, {"b", 2}}) == std::vector<std::string>{"1", "2"});

    auto filter = compiled(".[]");
    auto outputs = filter.run(json::array({true, false, nullptr, 0, "", json::array()}));
    REQUIRE(outputs.has_value());
    std::vector<bool> truthy;
    for (const auto& output : *outputs) truthy.push_back(output.truthy);
    CHECK(truthy == std::vector<bool>{true, false, false, true, true, true});
}

TEST_CASE("jq: key order is the input's (ordered_json) or sorted (json)") {
    nlohmann::ordered_json ordered;
    ordered["zeta"] = 1;
    ordered["alpha"] = 2;
    auto filter = compiled(".");
    auto out = filter.run(ordered);
    REQUIRE(out.has_value());
    CHECK(texts(*out) == std::vector<std::string>{R"({"zeta":1,"alpha":2})"});
    CHECK(run(".", json{{"zeta", 1}, {"alpha", 2}}) == std::vector<std::string>{R"({"alpha":2,"zeta":1})"});
    CHECK(run("keys_unsorted", json{{"b", 1}, {"a", 2}}) == std::vector<std::string>{R"(["a","b"])"});
}

TEST_CASE("jq: a compile error is a usage error carrying jq's message on one line") {
    auto bad = JqFilter::compile(".[");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == ExitCode::usage);
    CHECK(bad.error().message == "syntax error, unexpected $end (Unix shell quoting issues?) at <top-level>, line 1: .[");

    auto unknown = JqFilter::compile("nosuchfn(1)");
    REQUIRE_FALSE(unknown.has_value());
    CHECK(unknown.error().message == "nosuchfn/1 is not defined at <top-level>, line 1: nosuchfn(1)");

    auto two = JqFilter::compile("$a | $b");
    REQUIRE_FALSE(two.has_value());
    CHECK(two.error().message.find("$a is not defined") != std::string::npos);
    CHECK(two.error().message.find("; ") != std::string::npos);  // both errors, one line
    CHECK(two.error().message.find('\n') == std::string::npos);

    CHECK_FALSE(JqFilter::compile(std::string(".a\0b", 4)).has_value());
    // No module path: an import fails to compile instead of reading ~/.jq or the disk.
    auto import = JqFilter::compile(R"(import "x" as x; .)");
    REQUIRE_FALSE(import.has_value());
    CHECK(import.error().code == ExitCode::usage);
}

TEST_CASE("jq: a runtime error is bad input with jq's message; earlier outputs are dropped") {
    auto filter = compiled(".a, .a.b");
    auto out = filter.run(json{{"a", 1}});
    REQUIRE_FALSE(out.has_value());
    CHECK(out.error().code == ExitCode::bad_input);
    CHECK(out.error().message == R"(Cannot index number with string "b")");

    auto custom = compiled(R"(error({x: "y\nz"}))");
    auto custom_out = custom.run(json::object());
    REQUIRE_FALSE(custom_out.has_value());
    CHECK(custom_out.error().message == R"((not a string): {"x":"y\nz"})");

    // A message from the data cannot break the one-line rule or flood stderr.
    auto hostile = compiled("error(.)");
    auto hostile_out = hostile.run(json(std::string("line1\nline2\x1b[31m") + std::string(1000, 'x')));
    REQUIRE_FALSE(hostile_out.has_value());
    CHECK(hostile_out.error().message.find('\n') == std::string::npos);
    CHECK(hostile_out.error().message.find('\x1b') == std::string::npos);
    CHECK(hostile_out.error().message.find("\\u001b") != std::string::npos);
    CHECK(hostile_out.error().message.size() < 450);

    // The filter keeps working after an error.
    auto again = filter.run(json{{"a", json{{"b", 2}}}});
    REQUIRE(again.has_value());
    CHECK(texts(*again) == std::vector<std::string>{R"({"b":2})", "2"});
}

TEST_CASE("jq: halt ends the outputs, halt_error is a runtime error") {
    CHECK(run("1, halt, 2", json(nullptr)) == std::vector<std::string>{"1"});
    auto filter = compiled(R"("stop here\n" | halt_error(1))");
    auto out = filter.run(json(nullptr));
    REQUIRE_FALSE(out.has_value());
    CHECK(out.error().message == "halt_error: stop here");
}

TEST_CASE("jq: numbers are doubles, as in jq 1.6: 64-bit integers past 2^53 come out rounded") {
    CHECK(run(".", json(9007199254740992LL)) == std::vector<std::string>{"9007199254740992"});  // 2^53: exact
    CHECK(run(".", json(9007199254740993LL)) == std::vector<std::string>{"9007199254740992"});  // 2^53+1: rounded
    CHECK(run(".", json(18446744073709551615ULL)) == std::vector<std::string>{"18446744073709552000"});
    CHECK(run(".", json(-9223372036854775807LL - 1)) == std::vector<std::string>{"-9223372036854776000"});
    CHECK(run(".", json(100000000000000000000.0)) == std::vector<std::string>{"1e+20"});
    CHECK(run(".", json(0.1)) == std::vector<std::string>{"0.1"});
    CHECK(run(". + 1", json(41)) == std::vector<std::string>{"42"});
    // A big id kept as a string survives untouched.
    CHECK(run(".id", json{{"id", "9007199254740993"}}) == std::vector<std::string>{"9007199254740993"});
}

TEST_CASE("jq: invalid UTF-8 in the input becomes U+FFFD, not a crash") {
    CHECK(run(".", json(std::string("a\xff" "b"))) == std::vector<std::string>{"a\xef\xbf\xbd" "b"});
}

TEST_CASE("jq: deep input and deep output are refused, not a stack overflow") {
    // Built iteratively: nlohmann's own parser would take it too, and its
    // destructor does not recurse.
    json deep = json::array();
    for (int i = 0; i < JqFilter::max_input_depth + 10; ++i) deep = json::array({std::move(deep)});
    auto filter = compiled("length");
    auto out = filter.run(deep);
    REQUIRE_FALSE(out.has_value());
    CHECK(out.error().code == ExitCode::bad_input);
    CHECK(out.error().message == "the input is nested deeper than 10000 levels");

    json fine = json::array();
    for (int i = 0; i < 1000; ++i) fine = json::array({std::move(fine)});
    auto ok = filter.run(fine);
    REQUIRE(ok.has_value());
    CHECK(texts(*ok) == std::vector<std::string>{"1"});

    // The filter builds a value 100,000 deep: printing or freeing it with
    // libjq's recursive functions would overflow the stack.
    auto builder = compiled("reduce range(100000) as $i (null; [.])");
    auto built = builder.run(json(nullptr));
    REQUIRE_FALSE(built.has_value());
    CHECK(built.error().message == "an output is nested deeper than 256 levels, more than jq can print");
    // 256 levels print; 257 would be jq's "<stripped: exceeds max depth>".
    auto at_limit = compiled("reduce range(255) as $i (null; [.])");
    auto printed = at_limit.run(json(nullptr));
    REQUIRE(printed.has_value());
    std::string expected(255, '[');
    expected.append("null").append(255, ']');
    CHECK(texts(*printed) == std::vector<std::string>{expected});
    auto over = compiled("reduce range(257) as $i (null; [.])");
    CHECK_FALSE(over.run(json(nullptr)).has_value());
    // A deep input is fine as long as what comes out is not.
    auto pick = compiled("[paths | length] | max");
    auto depth = pick.run(fine);
    REQUIRE(depth.has_value());
    CHECK(texts(*depth) == std::vector<std::string>{"1000"});
}

TEST_CASE("jq: run_text takes one document or a stream of them, and reports text that is not JSON") {
    auto filter = compiled(".a");
    auto one = filter.run_text(R"({"a":1})");
    REQUIRE(one.has_value());
    CHECK(texts(*one) == std::vector<std::string>{"1"});
    auto stream = filter.run_text("{\"a\":1}\n{\"a\":\"x\"}\n\n{\"a\":[2]}\n");
    REQUIRE(stream.has_value());
    CHECK(texts(*stream) == std::vector<std::string>{"1", "x", "[2]"});
    auto empty = filter.run_text("   \n");
    REQUIRE(empty.has_value());
    CHECK(empty->empty());

    auto broken = filter.run_text(R"({"a":)");
    REQUIRE_FALSE(broken.has_value());
    CHECK(broken.error().code == ExitCode::bad_input);
    CHECK(broken.error().message.rfind("not JSON: ", 0) == 0);
    auto table = filter.run_text("ID  STATUS\n1   Started\n");
    REQUIRE_FALSE(table.has_value());
    CHECK(table.error().message.rfind("not JSON: ", 0) == 0);
    // jq's parser has its own depth limit (256 in jq 1.6).
    auto deep = filter.run_text(std::string(300, '[') + std::string(300, ']'));
    REQUIRE_FALSE(deep.has_value());
    CHECK(deep.error().message.find("depth") != std::string::npos);
}

TEST_CASE("jq: a filter moves, and its expression is kept") {
    auto filter = compiled(".x");
    JqFilter moved = std::move(filter);
    CHECK(moved.expression() == ".x");
    auto out = moved.run(json{{"x", "y"}});
    REQUIRE(out.has_value());
    CHECK(texts(*out) == std::vector<std::string>{"y"});
}
