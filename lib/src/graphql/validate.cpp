// The validation rules of the GraphQL spec (October 2021), §5, that need
// the whole document and no schema: unique and lone-anonymous operations;
// unique, known, used and acyclic fragments; variables defined and used,
// through fragments too.
#include <cstddef>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "lexer.hpp"
#include "parsed.hpp"

namespace callctl::graphql::detail {

namespace {

using lexer::fail;

// The checks that need the whole document. Every walk is iterative and
// visits each fragment once: a chain of 100,000 fragments, or one that
// spreads the next twice at each step, must not exhaust the stack or take
// exponential time.
class Checker {
public:
    explicit Checker(const ParsedDocument& doc) : doc_(doc) {
        for (std::size_t i = 0; i < doc_.fragments.size(); ++i) {
            const ParsedFragment& fragment = doc_.fragments[i];
            if (!by_name_.emplace(fragment.name, i).second) {
                fail(fragment.line, fragment.column, fmt::format("There can be only one fragment named \"{}\"", fragment.name));
            }
        }
        check_cycles();
    }

    // The variables `uses` refers to, directly and through the fragments it
    // spreads (transitively), in document order of first reach. `reached`
    // collects the fragments seen, across calls.
    std::vector<Reference> variables_of(const Uses& uses, std::set<std::string>& reached) const {
        std::vector<Reference> out;
        std::set<std::size_t> visited;
        std::vector<const Uses*> pending = {&uses};
        while (!pending.empty()) {
            const Uses* next = pending.back();
            pending.pop_back();
            out.insert(out.end(), next->variables.begin(), next->variables.end());
            // Reversed onto the stack, so the first spread is walked first.
            for (auto spread = next->fragments.rbegin(); spread != next->fragments.rend(); ++spread) {
                const std::size_t index = fragment_index(*spread);
                reached.insert(spread->name);
                if (visited.insert(index).second) pending.push_back(&doc_.fragments[index].uses);
            }
        }
        return out;
    }

private:
    std::size_t fragment_index(const Reference& spread) const {
        const auto it = by_name_.find(spread.name);
        if (it == by_name_.end()) fail(spread.line, spread.column, fmt::format("Unknown fragment \"{}\"", spread.name));
        return it->second;
    }

    // Depth-first over the spread graph with an explicit stack: a spread of
    // a fragment still on the stack closes a cycle.
    void check_cycles() const {
        enum class Mark { unseen, open, done };
        std::vector<Mark> marks(doc_.fragments.size(), Mark::unseen);
        struct Frame {
            std::size_t fragment;
            std::size_t next_spread;
        };
        for (std::size_t root = 0; root < doc_.fragments.size(); ++root) {
            if (marks[root] != Mark::unseen) continue;
            std::vector<Frame> stack = {{root, 0}};
            marks[root] = Mark::open;
            while (!stack.empty()) {
                Frame& top = stack.back();
                const auto& spreads = doc_.fragments[top.fragment].uses.fragments;
                if (top.next_spread == spreads.size()) {
                    marks[top.fragment] = Mark::done;
                    stack.pop_back();
                    continue;
                }
                const Reference& spread = spreads[top.next_spread++];
                const std::size_t index = fragment_index(spread);
                if (marks[index] == Mark::open) {
                    fail(spread.line, spread.column, fmt::format("Cannot spread fragment \"{}\" within itself", spread.name));
                }
                if (marks[index] == Mark::unseen) {
                    marks[index] = Mark::open;
                    stack.push_back({index, 0});
                }
            }
        }
    }

    const ParsedDocument& doc_;
    std::map<std::string, std::size_t, std::less<>> by_name_;
};

}  // namespace

Document build_document(ParsedDocument parsed) {
    const Checker checker(parsed);

    Document doc;
    std::set<std::string> used_fragments;
    std::set<std::string> operation_names;
    for (auto& p : parsed.operations) {
        Operation& op = p.op;
        if (op.name.empty() && parsed.operations.size() > 1) {
            fail(p.line, p.column, "This anonymous operation must be the only defined operation");
        }
        if (!op.name.empty() && !operation_names.insert(op.name).second) {
            fail(p.line, p.column, fmt::format("There can be only one operation named \"{}\"", op.name));
        }

        std::set<std::string> declared;
        for (const auto& variable : op.variables) declared.insert(variable.name);
        std::set<std::string> used;
        for (const auto& use : checker.variables_of(p.uses, used_fragments)) {
            if (declared.count(use.name) == 0) {
                fail(use.line, use.column,
                     op.name.empty() ? fmt::format("Variable \"${}\" is not defined", use.name)
                                     : fmt::format("Variable \"${}\" is not defined by operation \"{}\"", use.name, op.name));
            }
            if (used.insert(use.name).second) op.used_variables.push_back(use.name);
        }
        for (const auto& variable : p.declared) {
            if (used.count(variable.name) == 0) {
                fail(variable.line, variable.column,
                     op.name.empty() ? fmt::format("Variable \"${}\" is never used", variable.name)
                                     : fmt::format("Variable \"${}\" is never used in operation \"{}\"", variable.name, op.name));
            }
        }
        doc.operations.push_back(std::move(op));
    }
    for (const auto& f : parsed.fragments) {
        if (used_fragments.count(f.name) == 0) fail(f.line, f.column, fmt::format("Fragment \"{}\" is never used", f.name));
        doc.fragments.push_back(f.name);
    }
    return doc;
}

}  // namespace callctl::graphql::detail
