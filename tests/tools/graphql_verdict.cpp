// callctl-graphql-verdict: callctl's GraphQL parser as a filter, for the
// differential test against graphql-core (tests/e2e/test_graphql_conformance.py).
// Reads documents framed as "<byte count>\n<bytes>" from stdin until EOF and
// writes one JSON line per document: what callctl's parser says of it.
//   {"accepted":true,"operations":[{"kind","name","variables":[{"name","type","required"}],
//    "used":[...]}],"fragments":[...],"minified":"..."}
//   {"accepted":false,"message":"...","line":L,"column":C}
#include <cstdio>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "callctl/graphql/document.hpp"

namespace {

using nlohmann::json;
namespace graphql = callctl::graphql;

json verdict(const std::string& text) {
    auto doc = graphql::parse(text);
    if (!doc) return json{{"accepted", false}, {"message", doc.error().message}, {"line", doc.error().line}, {"column", doc.error().column}};
    json operations = json::array();
    for (const auto& op : doc->operations) {
        json variables = json::array();
        for (const auto& v : op.variables) variables.push_back({{"name", v.name}, {"type", v.type}, {"required", v.required()}});
        operations.push_back({{"kind", op.kind}, {"name", op.name}, {"variables", variables}, {"used", op.used_variables}});
    }
    auto minified = graphql::minify(text);
    return json{{"accepted", true},
                {"operations", operations},
                {"fragments", doc->fragments},
                {"minified", minified ? json(*minified) : json(nullptr)}};
}

}  // namespace

int main() {
    std::ios::sync_with_stdio(false);
    std::string header;
    while (std::getline(std::cin, header)) {
        std::size_t size = 0;
        try {
            size = std::stoul(header);
        } catch (const std::exception&) {
            std::fprintf(stderr, "callctl-graphql-verdict: bad frame header '%s'\n", header.c_str());
            return 2;
        }
        std::string text(size, '\0');
        if (!std::cin.read(text.data(), static_cast<std::streamsize>(size))) {
            std::fprintf(stderr, "callctl-graphql-verdict: truncated document\n");
            return 2;
        }
        // Accepted documents are valid UTF-8 (the parser checks); a rejected
        // one's message may quote a byte that is not, so never throw on it.
        std::cout << verdict(text).dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
    }
    std::cout.flush();
    return 0;
}
