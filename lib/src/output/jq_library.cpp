// libjq is opened with dlopen when a filter is first compiled (--jq, a flow's
// jq conditions), not linked: linked, it and what it needs (libonig, libm)
// were mapped and relocated by every callctl command, --jq or not, which is
// start-up cost callctl(1) promises not to pay (one request at curl's cost).
//
// jq.cpp calls jq_* and jv_* by their names as before; the definitions below
// forward each to the function dlsym found in libjq. dlsym is asked through
// the library's own handle, so it finds libjq's definition and never these;
// the executable does not export these (no library linked against it asks
// for them), so libjq's calls among its own functions stay inside libjq.
#include "output/jq_library.hpp"

#include <dlfcn.h>

#include <string>

extern "C" {
#include <jq.h>
}

// Every libjq function callctl calls: (return type, name, parameters, arguments).
#define CALLCTL_JQ_FUNCTIONS(X)                                                                        \
    X(jq_state*, jq_init, (void), ())                                                                   \
    X(int, jq_compile, (jq_state * jq, const char* text), (jq, text))                                   \
    X(jv, jq_get_error_message, (jq_state * jq), (jq))                                                  \
    X(jv, jq_get_exit_code, (jq_state * jq), (jq))                                                      \
    X(int, jq_halted, (jq_state * jq), (jq))                                                            \
    X(jv, jq_next, (jq_state * jq), (jq))                                                               \
    X(void, jq_set_attr, (jq_state * jq, jv name, jv value), (jq, name, value))                         \
    X(void, jq_set_error_cb, (jq_state * jq, jq_msg_cb callback, void* data), (jq, callback, data))     \
    X(void, jq_start, (jq_state * jq, jv value, int flags), (jq, value, flags))                         \
    X(void, jq_teardown, (jq_state * *jq), (jq))                                                        \
    X(jv, jv_array, (void), ())                                                                         \
    X(jv, jv_array_append, (jv array, jv value), (array, value))                                        \
    X(jv, jv_array_get, (jv array, int index), (array, index))                                          \
    X(int, jv_array_length, (jv array), (array))                                                        \
    X(jv, jv_bool, (int value), (value))                                                                \
    X(jv, jv_copy, (jv value), (value))                                                                 \
    X(jv, jv_dump_string, (jv value, int flags), (value, flags))                                        \
    X(void, jv_free, (jv value), (value))                                                               \
    X(jv_kind, jv_get_kind, (jv value), (value))                                                        \
    X(int, jv_get_refcnt, (jv value), (value))                                                          \
    X(jv, jv_invalid_get_msg, (jv value), (value))                                                      \
    X(int, jv_invalid_has_msg, (jv value), (value))                                                     \
    X(jv, jv_null, (void), ())                                                                          \
    X(jv, jv_number, (double value), (value))                                                           \
    X(double, jv_number_value, (jv value), (value))                                                     \
    X(jv, jv_object, (void), ())                                                                        \
    X(int, jv_object_iter, (jv object), (object))                                                       \
    X(int, jv_object_iter_next, (jv object, int iter), (object, iter))                                  \
    X(int, jv_object_iter_valid, (jv object, int iter), (object, iter))                                 \
    X(jv, jv_object_iter_value, (jv object, int iter), (object, iter))                                  \
    X(jv, jv_object_set, (jv object, jv key, jv value), (object, key, value))                           \
    X(void, jv_parser_free, (jv_parser * parser), (parser))                                             \
    X(jv_parser*, jv_parser_new, (int flags), (flags))                                                  \
    X(jv, jv_parser_next, (jv_parser * parser), (parser))                                               \
    X(void, jv_parser_set_buf, (jv_parser * parser, const char* buf, int length, int partial),          \
      (parser, buf, length, partial))                                                                   \
    X(jv, jv_string, (const char* text), (text))                                                        \
    X(int, jv_string_length_bytes, (jv value), (value))                                                 \
    X(jv, jv_string_sized, (const char* text, int length), (text, length))                              \
    X(const char*, jv_string_value, (jv value), (value))

namespace callctl::output::detail {
namespace {

// The Debian package that ships the library (libjq-dev depends on it).
constexpr const char* library_name = "libjq.so.1";
constexpr const char* package_name = "libjq1";

struct JqLibrary {
#define CALLCTL_JQ_POINTER(ret, name, params, args) ret(*name) params = nullptr;
    CALLCTL_JQ_FUNCTIONS(CALLCTL_JQ_POINTER)
#undef CALLCTL_JQ_POINTER
};

JqLibrary library;

Status open_library() {
    void* handle = ::dlopen(library_name, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* why = ::dlerror();
        return make_error(ExitCode::internal, std::string("cannot load ") + library_name + ": " + (why ? why : "unknown"),
                          std::string("jq filters need the ") + package_name + " package: apt-get install " + package_name);
    }
    // Never closed: the filters live until the process ends.
#define CALLCTL_JQ_LOOKUP(ret, name, params, args)                                                                     \
    library.name = reinterpret_cast<ret(*) params>(::dlsym(handle, #name));                                          \
    if (library.name == nullptr) {                                                                                    \
        return make_error(ExitCode::internal, std::string(library_name) + " has no " #name,                            \
                          std::string("reinstall ") + package_name);                                                  \
    }
    CALLCTL_JQ_FUNCTIONS(CALLCTL_JQ_LOOKUP)
#undef CALLCTL_JQ_LOOKUP
    return {};
}

}  // namespace

Status load_jq() {
    static const Status loaded = open_library();  // once, thread-safe
    return loaded;
}

}  // namespace callctl::output::detail

extern "C" {
#define CALLCTL_JQ_FORWARD(ret, name, params, args) \
    ret name params { return callctl::output::detail::library.name args; }
CALLCTL_JQ_FUNCTIONS(CALLCTL_JQ_FORWARD)
#undef CALLCTL_JQ_FORWARD
}
