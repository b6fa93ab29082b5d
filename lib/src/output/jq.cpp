#include "callctl/output/jq.hpp"

#include <climits>
#include <cstring>
#include <utility>

#include <fmt/format.h>

extern "C" {
#include <jq.h>
}

#include "callctl/util/interrupt.hpp"
#include "output/jq_library.hpp"

namespace callctl::output {

// libjq's ownership rule (jv.h): every jv_* function consumes the jv values
// passed to it and returns a new reference, except jv_copy, jv_get_kind,
// jv_get_refcnt, jv_string_value and the jv_object_iter_* functions. Each jv
// below is either passed on exactly once or freed exactly once.

namespace {

constexpr std::size_t max_message_bytes = 400;

// One line for stderr: control characters escaped, long messages cut (a
// runtime error can quote a whole input value).
std::string one_line(std::string_view text) {
    std::string out;
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (out.size() >= max_message_bytes) {
            out += "...";
            break;
        }
        if (c == '\n' || c == '\r' || c == '\t') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else if (byte < 0x20 || byte == 0x7f) {
            out += fmt::format("\\u{:04x}", byte);
        } else {
            out += c;
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::string string_of(jv value) {  // consumes value, which must be a string
    std::string text(jv_string_value(value), static_cast<std::size_t>(jv_string_length_bytes(jv_copy(value))));
    jv_free(value);
    return text;
}

std::string dump(jv value) {  // consumes value
    return string_of(jv_dump_string(value, 0));
}

bool is_container(jv_kind kind) { return kind == JV_KIND_ARRAY || kind == JV_KIND_OBJECT; }

// True when `value` (borrowed) nests deeper than `limit`; walks with an
// explicit stack, never recursion.
bool deeper_than(jv value, int limit) {
    if (!is_container(jv_get_kind(value))) return false;
    std::vector<std::pair<jv, int>> work;
    work.emplace_back(jv_copy(value), 1);
    bool deep = false;
    while (!work.empty()) {
        auto [node, depth] = work.back();
        work.pop_back();
        if (!deep && depth > limit) deep = true;
        if (!deep) {
            if (jv_get_kind(node) == JV_KIND_ARRAY) {
                const int length = jv_array_length(jv_copy(node));
                for (int i = 0; i < length; ++i) {
                    jv child = jv_array_get(jv_copy(node), i);
                    if (is_container(jv_get_kind(child))) work.emplace_back(child, depth + 1);
                    else jv_free(child);
                }
            } else {
                for (int it = jv_object_iter(node); jv_object_iter_valid(node, it); it = jv_object_iter_next(node, it)) {
                    jv child = jv_object_iter_value(node, it);
                    if (is_container(jv_get_kind(child))) work.emplace_back(child, depth + 1);
                    else jv_free(child);
                }
            }
        }
        jv_free(node);
    }
    return deep;
}

// Frees a value of any depth without recursing: a container's children are
// taken out (a reference each) before it is freed, so each jv_free only drops
// a count one level down. libjq's own jv_free recurses once per level.
void release_flat(jv value) {
    std::vector<jv> work{value};
    while (!work.empty()) {
        jv node = work.back();
        work.pop_back();
        if (is_container(jv_get_kind(node)) && jv_get_refcnt(node) == 1) {
            if (jv_get_kind(node) == JV_KIND_ARRAY) {
                const int length = jv_array_length(jv_copy(node));
                for (int i = 0; i < length; ++i) work.push_back(jv_array_get(jv_copy(node), i));
            } else {
                for (int it = jv_object_iter(node); jv_object_iter_valid(node, it); it = jv_object_iter_next(node, it)) {
                    work.push_back(jv_object_iter_value(node, it));
                }
            }
        }
        jv_free(node);
    }
}

template <class Json>
Result<jv> scalar_to_jv(const Json& value) {
    switch (value.type()) {
    case nlohmann::json::value_t::boolean: return jv_bool(value.template get<bool>() ? 1 : 0);
    case nlohmann::json::value_t::number_integer: return jv_number(static_cast<double>(value.template get<std::int64_t>()));
    case nlohmann::json::value_t::number_unsigned: return jv_number(static_cast<double>(value.template get<std::uint64_t>()));
    case nlohmann::json::value_t::number_float: return jv_number(value.template get<double>());
    case nlohmann::json::value_t::string: {
        const auto& text = value.template get_ref<const std::string&>();
        if (text.size() > static_cast<std::size_t>(INT_MAX)) return make_error(ExitCode::bad_input, "a string in the input is too long for jq");
        return jv_string_sized(text.data(), static_cast<int>(text.size()));  // invalid UTF-8 becomes U+FFFD
    }
    default: return jv_null();  // null, and binary/discarded, which parsed JSON never holds
    }
}

// nlohmann JSON to a jv, with an explicit stack rather than recursion: the
// depth is bounded by max_input_depth, not by the C++ stack (an ASan build's
// frames are large).
template <class Json>
Result<jv> to_jv(const Json& root) {
    if (!root.is_structured()) return scalar_to_jv(root);
    struct Frame {
        const Json* node;
        typename Json::const_iterator next;  // the child being converted
        jv value;
    };
    auto open = [](const Json& node) { return Frame{&node, node.begin(), node.is_array() ? jv_array() : jv_object()}; };
    // Puts `child` into the frame's container and moves on to its next child.
    auto attach = [](Frame& parent, jv child) {
        if (parent.node->is_array()) {
            parent.value = jv_array_append(parent.value, child);
        } else {
            const std::string& key = parent.next.key();
            parent.value = jv_object_set(parent.value, jv_string_sized(key.data(), static_cast<int>(key.size())), child);
        }
        ++parent.next;
    };
    std::vector<Frame> stack;
    stack.push_back(open(root));
    auto fail = [&](Error error) {
        for (auto& frame : stack) release_flat(frame.value);
        return error;
    };
    for (;;) {
        if (stack.back().next == stack.back().node->end()) {
            const jv done = stack.back().value;
            stack.pop_back();
            if (stack.empty()) return done;
            attach(stack.back(), done);
            continue;
        }
        const Json& child = *stack.back().next;
        if (child.is_structured()) {
            if (stack.size() >= static_cast<std::size_t>(JqFilter::max_input_depth)) {
                return fail(make_error(ExitCode::bad_input,
                                       fmt::format("the input is nested deeper than {} levels", JqFilter::max_input_depth)));
            }
            stack.push_back(open(child));
            continue;
        }
        auto converted = scalar_to_jv(child);
        if (!converted) return fail(converted.error());
        attach(stack.back(), *converted);
    }
}

// "jq: error: syntax error, ... at <top-level>, line 1:\n.[ " -> one line
// without jq's prefix.
std::string compile_message(const std::vector<std::string>& messages) {
    std::string joined;
    for (const auto& message : messages) {
        std::string_view text = message;
        if (text.rfind("jq: error: ", 0) == 0) text.remove_prefix(11);
        else if (text.rfind("jq: ", 0) == 0 && text.find("compile error") != std::string_view::npos) continue;  // the count
        const std::string line = one_line(text);
        if (!line.empty()) joined += (joined.empty() ? "" : "; ") + line;
    }
    return joined.empty() ? "the expression does not compile" : joined;
}

}  // namespace

struct JqFilter::State {
    jq_state* jq = nullptr;
    std::string expression;
    std::vector<std::string> messages;  // from jq's error callback

    State() = default;
    State(const State&) = delete;
    State& operator=(const State&) = delete;
    ~State() {
        if (jq != nullptr) jq_teardown(&jq);
    }

    static void on_message(void* data, jv message) {  // jq hands us the reference
        auto* state = static_cast<State*>(data);
        if (jv_get_kind(message) == JV_KIND_STRING) state->messages.push_back(string_of(message));
        else if (jv_is_valid(message)) state->messages.push_back(dump(message));
        else jv_free(message);
    }

    // Starts the program on `input` (consumed) and appends its outputs.
    Status run(jv input, std::vector<JqOutput>& outputs, std::size_t& bytes) {
        jq_start(jq, input, 0);
        for (;;) {
            jv result = jq_next(jq);
            if (jv_is_valid(result)) {
                if (util::interrupted()) {
                    release_flat(result);
                    return make_error(ExitCode::interrupted, "interrupted");
                }
                JqOutput output;
                output.truthy = jv_get_kind(result) != JV_KIND_FALSE && jv_get_kind(result) != JV_KIND_NULL;
                if (jv_get_kind(result) == JV_KIND_STRING) {
                    output.text = string_of(result);
                } else if (deeper_than(result, max_output_depth)) {
                    release_flat(result);
                    return make_error(ExitCode::bad_input,
                                      fmt::format("an output is nested deeper than {} levels, more than jq can print", max_output_depth));
                } else {
                    output.text = dump(result);
                }
                bytes += output.text.size() + 1;
                if (bytes > max_output_bytes) {
                    return make_error(ExitCode::bad_input, fmt::format("the outputs for one input exceed {} MiB", max_output_bytes >> 20));
                }
                outputs.push_back(std::move(output));
                continue;
            }
            // The end of the outputs, halt/halt_error, or an uncaught error.
            if (jq_halted(jq)) {
                jv_free(result);
                jv code = jq_get_exit_code(jq);
                const bool failed = jv_is_valid(code) && !(jv_get_kind(code) == JV_KIND_NUMBER && jv_number_value(code) == 0);
                jv_free(code);
                jv message = jq_get_error_message(jq);
                std::string text;
                if (jv_get_kind(message) == JV_KIND_STRING) text = string_of(message);
                else if (jv_is_valid(message) && jv_get_kind(message) != JV_KIND_NULL) text = dump(message);
                else jv_free(message);
                if (!failed) return {};
                return make_error(ExitCode::bad_input, "halt_error: " + (text.empty() ? std::string("(no message)") : one_line(text)));
            }
            if (jv_invalid_has_msg(jv_copy(result))) {
                jv message = jv_invalid_get_msg(result);
                std::string text = jv_get_kind(message) == JV_KIND_STRING ? string_of(message) : "(not a string): " + dump(message);
                return make_error(ExitCode::bad_input, one_line(text));
            }
            jv_free(result);
            return {};
        }
    }
};

JqFilter::JqFilter(std::unique_ptr<State> state) : state_(std::move(state)) {}
JqFilter::JqFilter(JqFilter&& other) noexcept = default;
JqFilter& JqFilter::operator=(JqFilter&& other) noexcept = default;
JqFilter::~JqFilter() = default;

const std::string& JqFilter::expression() const { return state_->expression; }

Result<JqFilter> JqFilter::compile(std::string_view expression) {
    if (expression.find('\0') != std::string_view::npos) {
        return make_error(ExitCode::usage, "the jq expression contains a NUL byte");
    }
    if (auto loaded = detail::load_jq(); !loaded) return loaded.error();
    auto state = std::make_unique<State>();
    state->expression = std::string(expression);
    state->jq = jq_init();
    if (state->jq == nullptr) return make_error(ExitCode::internal, "jq: cannot initialise (out of memory)");
    jq_set_error_cb(state->jq, &State::on_message, state.get());
    // No module search path: `import`/`include` cannot pull in ~/.jq or
    // files next to the current directory behind the user's back.
    jq_set_attr(state->jq, jv_string("JQ_LIBRARY_PATH"), jv_array());
    if (jq_compile(state->jq, state->expression.c_str()) == 0) {
        return make_error(ExitCode::usage, compile_message(state->messages));
    }
    state->messages.clear();
    return JqFilter(std::move(state));
}

template <class Json>
Result<std::vector<JqOutput>> JqFilter::run_value(const Json& input) {
    auto converted = to_jv(input);
    if (!converted) return converted.error();
    std::vector<JqOutput> outputs;
    std::size_t bytes = 0;
    if (auto ran = state_->run(*converted, outputs, bytes); !ran) return ran.error();
    return outputs;
}

Result<std::vector<JqOutput>> JqFilter::run(const nlohmann::json& input) { return run_value(input); }
Result<std::vector<JqOutput>> JqFilter::run(const nlohmann::ordered_json& input) { return run_value(input); }

Result<std::vector<JqOutput>> JqFilter::run_text(std::string_view text) {
    if (text.size() > static_cast<std::size_t>(INT_MAX)) return make_error(ExitCode::bad_input, "the input is too long for jq");
    jv_parser* parser = jv_parser_new(0);
    if (parser == nullptr) return make_error(ExitCode::internal, "jq: cannot initialise the parser (out of memory)");
    jv_parser_set_buf(parser, text.data(), static_cast<int>(text.size()), 0);
    std::vector<JqOutput> outputs;
    std::size_t bytes = 0;
    for (;;) {
        jv value = jv_parser_next(parser);
        if (!jv_is_valid(value)) {
            if (jv_invalid_has_msg(jv_copy(value))) {
                jv message = jv_invalid_get_msg(value);
                std::string why = jv_get_kind(message) == JV_KIND_STRING ? string_of(message) : dump(message);
                jv_parser_free(parser);
                return make_error(ExitCode::bad_input, "not JSON: " + one_line(why));
            }
            jv_free(value);
            break;
        }
        if (auto ran = state_->run(value, outputs, bytes); !ran) {
            jv_parser_free(parser);
            return ran.error();
        }
    }
    jv_parser_free(parser);
    return outputs;
}

}  // namespace callctl::output
