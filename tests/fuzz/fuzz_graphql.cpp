// GraphQL documents (--query-file, profile graphql.*, and the sandbox's
// router): the parser and minify(). Besides not crashing: minifying keeps a
// valid document valid with the same declarations, and minifying twice
// changes nothing more.
#include <cstdint>

#include "callctl/graphql/document.hpp"
#include "fuzz_util.hpp"

using namespace callctl;

namespace {

bool same_declarations(const graphql::Document& a, const graphql::Document& b) {
    if (a.operations.size() != b.operations.size() || a.fragments != b.fragments) return false;
    for (std::size_t i = 0; i < a.operations.size(); ++i) {
        const auto& x = a.operations[i];
        const auto& y = b.operations[i];
        if (x.kind != y.kind || x.name != y.name || x.used_variables != y.used_variables || x.variables.size() != y.variables.size()) {
            return false;
        }
        for (std::size_t v = 0; v < x.variables.size(); ++v) {
            if (x.variables[v].name != y.variables[v].name || x.variables[v].type != y.variables[v].type ||
                x.variables[v].has_default != y.variables[v].has_default) {
                return false;
            }
        }
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    auto parsed = graphql::parse(text);
    auto minified = graphql::minify(text);
    if (!parsed) {
        FUZZ_CHECK(parsed.error().line >= 1 && parsed.error().column >= 1);
        (void)graphql::describe(parsed.error());
        return 0;
    }
    FUZZ_CHECK(minified.has_value());  // what parses, lexes
    FUZZ_CHECK(minified->size() <= text.size());
    auto reparsed = graphql::parse(*minified);
    FUZZ_CHECK(reparsed.has_value());
    FUZZ_CHECK(same_declarations(*parsed, *reparsed));
    auto again = graphql::minify(*minified);
    FUZZ_CHECK(again.has_value() && *again == *minified);
    for (const auto& operation : parsed->operations) {
        FUZZ_CHECK(parsed->find(operation.name) != nullptr);
        for (const auto& name : operation.used_variables) FUZZ_CHECK(operation.variable(name) != nullptr);
    }
    (void)parsed->operation_names();
    return 0;
}
