// decode-push --stream's hot path (callctl(1), decode-push): the common line, a bare intercom push whose
// fields all decrypt, decoded straight from its bytes into output bytes.
//
// The general path parses the line into a tree, decrypts, parses the plaintexts and the JWT into trees,
// builds the normalised tree and dumps it: about 265 k instructions a push, mostly the lexer, the
// serialiser and the allocator. This path copies each JSON value it passes through in its compact form
// while checking it, decrypts into reused buffers and writes the same bytes decode() + dump() would: it
// does not allocate per push (one string for the JWT's expires_at at most).
//
// It only takes what it is sure to write identically: a value it would have to re-format (a float, a
// \u or \/ escape, "-0", an integer past 18 digits), a duplicate key, a string that unwrap would parse as
// JSON, invalid UTF-8, deep nesting, an object "video"/"audio", a missing key, anything that warns or
// fails. For those it returns false and leaves `out` as it was; the caller then runs the general path,
// so every error and every rare shape has exactly one implementation.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "callctl/push/push.hpp"

namespace callctl::push {

class IntercomFastPath {
public:
    explicit IntercomFastPath(const DecodeOptions& options);
    ~IntercomFastPath();
    IntercomFastPath(const IntercomFastPath&) = delete;
    IntercomFastPath& operator=(const IntercomFastPath&) = delete;

    // Appends the compact normalised object of `line` (no newline) to `out`
    // and returns true, or returns false with `out` untouched.
    bool append(std::string_view line, std::string& out);

    struct Scratch;

private:
    const DecodeOptions& options_;
    bool usable_;
    double now_seconds_;
    std::unique_ptr<Scratch> scratch_;
};

}  // namespace callctl::push
