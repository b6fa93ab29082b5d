// The one JSON entry point (util/json.hpp): the depth limit, found without
// recursion, and nlohmann's own errors passed on as values.
#include <doctest/doctest.h>

#include <string>

#include "callctl/http/http.hpp"
#include "callctl/util/json.hpp"

using namespace callctl::util;

namespace {

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string nested_objects(std::size_t depth) {
    std::string text;
    for (std::size_t i = 0; i < depth; ++i) text += "{\"a\":";
    text += "1";
    text += std::string(depth, '}');
    return text;
}

}  // namespace

TEST_CASE("json: nesting depth counts brackets outside strings only") {
    CHECK(json_nesting_depth("") == 0);
    CHECK(json_nesting_depth("1") == 0);
    CHECK(json_nesting_depth("[]") == 1);
    CHECK(json_nesting_depth("[[1],[2,[3]]]") == 3);
    CHECK(json_nesting_depth(R"({"a":{"b":[{}]}})") == 4);
    CHECK(json_nesting_depth(R"(["[[[[", "{{{{"])") == 1);
    CHECK(json_nesting_depth(R"(["\"[[[", "\\", [2]])") == 2);  // an escaped quote does not end the string
    CHECK(json_nesting_depth("]]]][") == 1);                   // stray closers do not go below zero
    // It stops counting past the limit it was given: a hostile text is not read to its end.
    CHECK(json_nesting_depth(nested_arrays(100000), 10) == 11);
    CHECK(json_nesting_depth(nested_arrays(300)) == json_depth_limit + 1);
}

TEST_CASE("json: 256 levels parse, 257 and 100,000 are too deep, arrays and objects alike") {
    for (const auto& make : {nested_arrays, nested_objects}) {
        auto at_limit = parse_json(make(json_depth_limit));
        REQUIRE(at_limit.has_value());
        CHECK(at_limit->dump().size() == make(json_depth_limit).size());  // walkable: dump() recurses 256 deep

        for (std::size_t depth : {json_depth_limit + 1, std::size_t{1000}, std::size_t{100000}}) {
            auto deep = parse_json(make(depth));
            REQUIRE_FALSE(deep.has_value());
            CHECK(deep.error().problem == JsonProblem::too_deep);
            CHECK(deep.error().message == "nested deeper than 256 levels");
            auto ordered = parse_ordered_json(make(depth));
            REQUIRE_FALSE(ordered.has_value());
            CHECK(ordered.error().problem == JsonProblem::too_deep);
        }
    }
    // Truncated deep text is refused for its depth, before any syntax check.
    CHECK(parse_json(std::string(5000, '[')).error().problem == JsonProblem::too_deep);
}

TEST_CASE("json: syntax errors keep nlohmann's byte; numbers past double's range are unsupported") {
    auto bad = parse_json(R"({"a": tru})");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().problem == JsonProblem::syntax);
    CHECK(bad.error().byte == 10);
    CHECK(bad.error().message.find("parse error") != std::string::npos);
    CHECK(parse_json("").error().problem == JsonProblem::syntax);
    CHECK(parse_json("[1] [2]").error().problem == JsonProblem::syntax);

    auto huge = parse_json("[1e400]");
    REQUIRE_FALSE(huge.has_value());
    CHECK(huge.error().problem == JsonProblem::unsupported);
}

TEST_CASE("json: values parse as before, ordered keeps key order") {
    auto value = parse_json(" {\"b\":1,\"a\":[true,null,\"x\"]} \n");
    REQUIRE(value.has_value());
    CHECK((*value)["a"][2] == "x");
    auto ordered = parse_ordered_json(R"({"b":1,"a":2})");
    REQUIRE(ordered.has_value());
    CHECK(ordered->dump() == R"({"b":1,"a":2})");
}

TEST_CASE("json: -v shows a body too deep to walk as its size, never its text") {
    const std::string body = "{\"password\":\"hunter2\",\"x\":" + nested_arrays(100000) + "}";
    const std::string shown = callctl::http::redact_body(body, {});
    CHECK(shown == "(JSON nested deeper than 256 levels, " + std::to_string(body.size()) + " bytes)");
    // At the limit the walk runs and redacts by key as before.
    const std::string ok = "{\"password\":\"hunter2\",\"x\":" + nested_arrays(200) + "}";
    CHECK(callctl::http::redact_body(ok, {}).find("hunter2") == std::string::npos);
}
