// GraphQL documents (--query-file, profile graphql.*, and the sandbox's router).
#include <cstdint>

#include "callctl/api/graphql_document.hpp"
#include "fuzz_util.hpp"

using namespace callctl;

namespace {

void walk(const std::vector<api::GraphqlSelection>& selections, const nlohmann::json& variables);

void walk_field(const api::GraphqlField& field, const nlohmann::json& variables) {
    for (const auto& argument : field.arguments) (void)api::resolve_value(argument.value, variables);
    walk(field.selections, variables);
}

void walk(const std::vector<api::GraphqlSelection>& selections, const nlohmann::json& variables) {
    for (const auto& selection : selections) {
        walk_field(selection.field, variables);
        walk(selection.selections, variables);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto parsed = api::parse_graphql_detailed(fuzz::as_text(data, size));
    if (!parsed) {
        FUZZ_CHECK(parsed.error().line >= 1 && parsed.error().column >= 1);
        return 0;
    }
    // Every variable bound to the same value, and none bound.
    const nlohmann::json some = {{"id", "dev_42"}};
    for (const auto& operation : parsed->operations) {
        nlohmann::json variables = nlohmann::json::object();
        for (const auto& name : operation.referenced_variables) variables[name] = "x";
        for (const auto& field : operation.root_selections) {
            walk_field(field, variables);
            walk_field(field, some);
        }
        (void)parsed->find(operation.name);
    }
    for (const auto& fragment : parsed->fragments) walk(fragment.selections, some);
    (void)api::parse_graphql(fuzz::as_text(data, size));
    return 0;
}
