#include "graphql_tree.hpp"

#include <set>

#include <fmt/format.h>

#include "callctl/graphql/syntax.hpp"

namespace callctl::sandbox::gql {

Value::Value() = default;

namespace {

Value::Kind kind_of(graphql::ScalarKind kind) {
    switch (kind) {
    case graphql::ScalarKind::variable: return Value::Kind::variable;
    case graphql::ScalarKind::int_number: return Value::Kind::int_number;
    case graphql::ScalarKind::float_number: return Value::Kind::float_number;
    case graphql::ScalarKind::string: return Value::Kind::string;
    case graphql::ScalarKind::boolean: return Value::Kind::boolean;
    case graphql::ScalarKind::null: return Value::Kind::null;
    case graphql::ScalarKind::enum_value: return Value::Kind::enum_value;
    }
    return Value::Kind::null;
}

// Builds the tree from the parser's events. Open fields and inline
// fragments, and open lists and objects, are kept on stacks by value and
// moved into their parent when they end, so no pointer into a growing
// vector is ever held.
class TreeBuilder final : public graphql::SyntaxSink {
public:
    Tree tree;

    void begin_operation(std::string_view kind, std::string_view name) override {
        operation_ = Operation{};
        operation_.kind = std::string(kind);
        operation_.name = std::string(name);
        selections_ = &operation_.selections;
    }
    void end_operation() override { tree.operations.push_back(std::move(operation_)); }

    void begin_fragment(std::string_view name, std::string_view /*type_condition*/) override {
        fragment_ = Fragment{};
        fragment_.name = std::string(name);
        selections_ = &fragment_.selections;
    }
    void end_fragment() override { tree.fragments.push_back(std::move(fragment_)); }

    void variable_definition(std::string_view name, std::string_view type, bool has_default) override {
        operation_.variables.push_back(VariableDefinition{std::string(name), std::string(type), std::nullopt});
        target_ = has_default ? Target::default_value : Target::none;
    }

    void begin_field(std::string_view alias, std::string_view name, int, int) override {
        Selection selection;
        selection.field.alias = std::string(alias);
        selection.field.name = std::string(name);
        open_.push_back(std::move(selection));
    }
    void end_field() override { close(); }
    void argument(std::string_view name) override {
        argument_name_ = std::string(name);
        target_ = Target::argument;
    }
    void fragment_spread(std::string_view name) override {
        Selection selection;
        selection.kind = Selection::Kind::fragment_spread;
        selection.fragment_name = std::string(name);
        parent_selections().push_back(std::move(selection));
    }
    void begin_inline_fragment(std::string_view /*type_condition*/) override {
        Selection selection;
        selection.kind = Selection::Kind::inline_fragment;
        open_.push_back(std::move(selection));
    }
    void end_inline_fragment() override { close(); }

    void scalar(graphql::ScalarKind kind, std::string_view text) override {
        Value value;
        value.kind = kind_of(kind);
        value.text = std::string(text);
        deliver(std::move(value));
    }
    void begin_list() override { open_values_.emplace_back().kind = Value::Kind::list; }
    void end_list() override { close_value(); }
    void begin_object() override { open_values_.emplace_back().kind = Value::Kind::object; }
    void object_field(std::string_view name) override { field_names_.emplace_back(name); }
    void end_object() override { close_value(); }

private:
    enum class Target { none, argument, default_value };

    std::vector<Selection>& parent_selections() {
        if (open_.empty()) return *selections_;
        Selection& parent = open_.back();
        return parent.kind == Selection::Kind::field ? parent.field.selections : parent.selections;
    }

    void close() {
        Selection done = std::move(open_.back());
        open_.pop_back();
        parent_selections().push_back(std::move(done));
    }

    void close_value() {
        Value done = std::move(open_values_.back());
        open_values_.pop_back();
        deliver(std::move(done));
    }

    void deliver(Value value) {
        if (!open_values_.empty()) {
            Value& parent = open_values_.back();
            if (parent.kind == Value::Kind::list) {
                parent.items.push_back(std::move(value));
            } else {
                parent.fields.emplace_back(std::move(field_names_.back()), std::move(value));
                field_names_.pop_back();
            }
            return;
        }
        if (target_ == Target::argument && !open_.empty()) {
            open_.back().field.arguments.push_back(Argument{std::move(argument_name_), std::move(value)});
        } else if (target_ == Target::default_value && !operation_.variables.empty()) {
            operation_.variables.back().default_value = std::move(value);
        }
        target_ = Target::none;
    }

    Operation operation_;
    Fragment fragment_;
    std::vector<Selection>* selections_ = nullptr;  // the top level of the definition being built
    std::vector<Selection> open_;
    std::vector<Value> open_values_;
    std::vector<std::string> field_names_;
    std::string argument_name_;
    Target target_ = Target::none;
};

}  // namespace

const Argument* Field::argument(std::string_view arg_name) const {
    for (const auto& arg : arguments) {
        if (arg.name == arg_name) return &arg;
    }
    return nullptr;
}

const VariableDefinition* Operation::variable(std::string_view var_name) const {
    for (const auto& v : variables) {
        if (v.name == var_name) return &v;
    }
    return nullptr;
}

const Operation* Tree::find(std::string_view name) const {
    if (name.empty()) return operations.size() == 1 ? &operations.front() : nullptr;
    for (const auto& op : operations) {
        if (op.name == name) return &op;
    }
    return nullptr;
}

const Fragment* Tree::fragment(std::string_view name) const {
    for (const auto& f : fragments) {
        if (f.name == name) return &f;
    }
    return nullptr;
}

Expected<Tree, graphql::ParseError> parse_tree(std::string_view text) {
    TreeBuilder builder;
    auto declarations = graphql::parse(text, builder);
    if (!declarations) return declarations.error();
    Tree tree = std::move(builder.tree);
    for (std::size_t i = 0; i < tree.operations.size() && i < declarations->operations.size(); ++i) {
        tree.operations[i].used_variables = declarations->operations[i].used_variables;
    }
    return tree;
}

std::vector<const Field*> flatten(const std::vector<Selection>& selections, const Tree& tree) {
    // Depth-first with an explicit stack: a chain of many fragments must not
    // exhaust the stack.
    struct Frame {
        const std::vector<Selection>* selections;
        std::size_t next;
    };
    std::vector<const Field*> out;
    std::set<std::string> spread;
    std::vector<Frame> stack = {{&selections, 0}};
    while (!stack.empty()) {
        Frame& top = stack.back();
        if (top.next == top.selections->size()) {
            stack.pop_back();
            continue;
        }
        const Selection& selection = (*top.selections)[top.next++];
        switch (selection.kind) {
        case Selection::Kind::field: out.push_back(&selection.field); break;
        case Selection::Kind::inline_fragment: stack.push_back({&selection.selections, 0}); break;
        case Selection::Kind::fragment_spread:
            if (!spread.insert(selection.fragment_name).second) break;
            if (const Fragment* fragment = tree.fragment(selection.fragment_name)) stack.push_back({&fragment->selections, 0});
            break;
        }
    }
    return out;
}

Result<nlohmann::json> resolve_value(const Value& value, const nlohmann::json& variables) {
    using Kind = Value::Kind;
    switch (value.kind) {
    case Kind::variable:
        if (!variables.is_object() || !variables.contains(value.text)) {
            return make_error(ExitCode::bad_input, fmt::format("Variable \"${}\" was not provided", value.text));
        }
        return variables.at(value.text);
    case Kind::int_number:
    case Kind::float_number: {
        auto number = nlohmann::json::parse(value.text, nullptr, false);
        if (number.is_discarded()) return make_error(ExitCode::bad_input, fmt::format("bad number {}", value.text));
        return number;
    }
    case Kind::string:
    case Kind::enum_value: return nlohmann::json(value.text);
    case Kind::boolean: return nlohmann::json(value.text == "true");
    case Kind::null: return nlohmann::json(nullptr);
    case Kind::list: {
        auto out = nlohmann::json::array();
        for (const auto& item : value.items) {
            auto resolved = resolve_value(item, variables);
            if (!resolved) return resolved.error();
            out.push_back(std::move(*resolved));
        }
        return out;
    }
    case Kind::object: {
        auto out = nlohmann::json::object();
        for (const auto& [name, field] : value.fields) {
            auto resolved = resolve_value(field, variables);
            if (!resolved) return resolved.error();
            out[name] = std::move(*resolved);
        }
        return out;
    }
    }
    return make_error(ExitCode::internal, "unknown GraphQL value kind");
}

}  // namespace callctl::sandbox::gql
