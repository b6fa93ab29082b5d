#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "callctl/flow/words.hpp"

using namespace callctl::flow;
using callctl::ExitCode;

namespace {

std::map<std::string, std::string> values = {
    {"title", "Smoke test"}, {"call", "c-1"}, {"empty", ""}, {"env.HOME", "/home/ci"}, {"quote", "a\"b 'c' $d"}};

Lookup lookup() {
    return [](std::string_view name) -> std::optional<std::string> {
        auto it = values.find(std::string(name));
        if (it == values.end()) return std::nullopt;
        return it->second;
    };
}

// The words the command line becomes, references expanded.
std::vector<std::string> words(std::string_view text) {
    auto split = split_words(text);
    REQUIRE_MESSAGE(split.has_value(), split.error().message);
    std::vector<std::string> out;
    for (const auto& word : *split) {
        auto expanded = expand(word, lookup());
        REQUIRE(expanded.has_value());
        out.push_back(*expanded);
    }
    return out;
}

std::string split_error(std::string_view text) {
    auto split = split_words(text);
    REQUIRE_FALSE(split.has_value());
    CHECK(split.error().code == ExitCode::bad_input);
    return split.error().message;
}

using Words = std::vector<std::string>;

}  // namespace

TEST_CASE("words: blanks separate words; runs of them count once") {
    CHECK(words("call-log a b") == Words{"call-log", "a", "b"});
    CHECK(words("  call-log \t a\n b  ") == Words{"call-log", "a", "b"});
    CHECK(words("").empty());
    CHECK(words("   ").empty());
}

TEST_CASE("words: quotes as sh has them") {
    CHECK(words(R"(create-call --title "Demo call" --invite alice:8)") == Words{"create-call", "--title", "Demo call", "--invite", "alice:8"});
    CHECK(words(R"(x 'single $quoted ${title} \n' y)") == Words{"x", "single $quoted ${title} \\n", "y"});
    CHECK(words(R"(x "a"'b'c)") == Words{"x", "abc"});  // one word from three pieces
    CHECK(words(R"(x "it's")") == Words{"x", "it's"});
    CHECK(words(R"(x 'say "hi"')") == Words{"x", "say \"hi\""});
}

TEST_CASE("words: empty quoted words are kept") {
    CHECK(words(R"(x "" y)") == Words{"x", "", "y"});
    CHECK(words("x ''") == Words{"x", ""});
    CHECK(words(R"("")") == Words{""});
}

TEST_CASE("words: backslashes") {
    CHECK(words(R"(x a\ b)") == Words{"x", "a b"});
    CHECK(words(R"(x \"q\" \\ \$5 \')") == Words{"x", "\"q\"", "\\", "$5", "'"});
    CHECK(words("x a\\\nb") == Words{"x", "ab"});  // backslash-newline joins lines
    // Inside double quotes only $ " \ ` and newline are special after a backslash.
    CHECK(words(R"(x "a\"b" "c\\d" "e\$f" "g\nh")") == Words{"x", "a\"b", "c\\d", "e$f", "g\\nh"});
}

TEST_CASE("words: ${name} expands inside its word and never splits it or vanishes") {
    CHECK(words("call-log ${call}") == Words{"call-log", "c-1"});
    CHECK(words("--title ${title}") == Words{"--title", "Smoke test"});            // unquoted: still one word
    CHECK(words(R"(--title "${title}!")") == Words{"--title", "Smoke test!"});
    CHECK(words("a${call}b ${env.HOME}/x") == Words{"ac-1b", "/home/ci/x"});
    CHECK(words("x ${empty} y") == Words{"x", "", "y"});                            // an empty value stays an argument
    CHECK(words("x ${quote}") == Words{"x", "a\"b 'c' $d"});                        // values are not re-parsed
    CHECK(words("x $$ $${call} $5 $") == Words{"x", "$", "${call}", "$5", "$"});   // $$ is a literal $
    CHECK(words(R"(x \${call})") == Words{"x", "${call}"});
}

TEST_CASE("words: unterminated quotes and other mistakes name their column") {
    CHECK(split_error(R"(create-call --title "Demo)") == "unterminated double quote at column 21");
    CHECK(split_error("x 'abc") == "unterminated single quote at column 3");
    CHECK(split_error("x abc\\") == "the command ends in a backslash at column 6");
    CHECK(split_error("x ${call") == "unterminated ${ at column 3");
    CHECK(split_error("x ${}") == "'${}' is not a name: use letters, digits and _ (or env.NAME) at column 3");
    CHECK(split_error("x ${a b}") == "'${a b}' is not a name: use letters, digits and _ (or env.NAME) at column 3");
    CHECK(split_error("x ${1st}") == "'${1st}' is not a name: use letters, digits and _ (or env.NAME) at column 3");
    CHECK(split_error(R"(x "${env.}")") == "'${env.}' is not a name: use letters, digits and _ (or env.NAME) at column 4");
}

TEST_CASE("words: shell operators are refused, not passed on as arguments") {
    CHECK(split_error("call-log x | jq .") ==
          "'|' is a shell operator, and a step runs one callctl command (quote it to pass it as text) at column 12");
    for (const char* text : {"a && b", "a; b", "a > f", "a < f", "(a)", "a `b`", "a &"}) {
        CHECK_MESSAGE(split_words(text).has_value() == false, text);
    }
    CHECK(split_error("x $(date)") == "command substitution $( is not supported: a step runs one callctl command at column 3");
    // Quoted, they are text; globbing characters are text anyway.
    CHECK(words(R"(x "a | b" 'c;d' e\&f *.json ~ ?)") == Words{"x", "a | b", "c;d", "e&f", "*.json", "~", "?"});
}

TEST_CASE("templates: references, $$, and no quoting") {
    auto parsed = parse_template(R"(Bearer ${token} "as is" $$x)");
    REQUIRE(parsed.has_value());
    CHECK(parsed->references() == std::vector<std::string>{"token"});
    CHECK(parsed->has_references());
    auto expanded = expand(*parsed, [](std::string_view) -> std::optional<std::string> { return std::string("T"); });
    REQUIRE(expanded.has_value());
    CHECK(*expanded == R"(Bearer T "as is" $x)");

    auto plain = parse_template("no refs");
    REQUIRE(plain.has_value());
    CHECK_FALSE(plain->has_references());
    CHECK_FALSE(parse_template("${open").has_value());
    // A $( in a template is just text: only command lines refuse it.
    CHECK(parse_template("$(x)").has_value());
}

TEST_CASE("templates: an unknown name at expansion is an error, not an empty string") {
    auto parsed = parse_template("${nope}");
    REQUIRE(parsed.has_value());
    auto expanded = expand(*parsed, lookup());
    REQUIRE_FALSE(expanded.has_value());
    CHECK(expanded.error().message == "unknown name ${nope}");
}

TEST_CASE("names") {
    CHECK(valid_name("call"));
    CHECK(valid_name("_x9"));
    CHECK(valid_name("env.HOME"));
    CHECK_FALSE(valid_name(""));
    CHECK_FALSE(valid_name("9x"));
    CHECK_FALSE(valid_name("a-b"));
    CHECK_FALSE(valid_name("env."));
    CHECK_FALSE(valid_name("env.A.B"));
}
