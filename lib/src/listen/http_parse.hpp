// HTTP/1.1 request framing for the listen server (RFC 9112), as pure
// functions over bytes so the unit tests and the fuzzer can drive them:
// the request line and headers, how the body is framed, and a chunked
// decoder that can stop at a size limit. Anything ambiguous (both
// Content-Length and Transfer-Encoding, differing lengths, folded headers)
// is refused rather than guessed: that is how request smuggling starts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "callctl/error.hpp"
#include "callctl/listen/listen.hpp"

namespace callctl::listen::detail {

inline constexpr std::size_t max_head_bytes = 16 * 1024;
inline constexpr std::size_t max_header_count = 100;

// The first header of that (lower-case) name, or null.
const std::string* find_header(const std::vector<Request::Header>& headers, std::string_view lower_case_name);

struct RequestHead {
    std::string method;
    std::string target;
    int minor_version = 1;  // HTTP/1.<minor>
    std::vector<Request::Header> headers;
    const std::string* header(std::string_view lower_case_name) const { return find_header(headers, lower_case_name); }
};

// Where the head ends in `buffer`: the offset just past the blank line, or 0
// while it is incomplete. Bare LF line ends are accepted as well as CRLF.
std::size_t find_head_end(std::string_view buffer);

// `head`: the bytes up to and including the blank line. Errors are bad_input
// (3) with the reason to answer 400 with.
Result<RequestHead> parse_request_head(std::string_view head);

struct BodyFraming {
    enum class Kind { none, length, chunked } kind = Kind::none;
    std::uint64_t length = 0;
};
Result<BodyFraming> body_framing(const RequestHead& head);

// Keep the connection open after this request (HTTP/1.1 unless "close";
// HTTP/1.0 only with "keep-alive").
bool keeps_alive(const RequestHead& head);
// "Expect: 100-continue": the client waits for a go-ahead before the body.
bool expects_continue(const RequestHead& head);

// Incremental Transfer-Encoding: chunked decoder. feed() consumes what it can
// of `input`, appends the data to `body`, and says where it stands.
class ChunkedDecoder {
public:
    enum class State { need_more, done, too_large, bad };
    explicit ChunkedDecoder(std::size_t limit) : limit_(limit) {}
    State feed(std::string_view input, std::size_t& consumed, std::string& body);
    const std::string& error() const { return error_; }

private:
    enum class Step { size_line, data, data_end, trailer };
    State fail(std::string message);

    std::size_t limit_;
    Step step_ = Step::size_line;
    std::string line_;          // a size or trailer line being collected
    std::uint64_t remaining_ = 0;  // bytes left in the current chunk
    std::size_t trailer_bytes_ = 0;
    std::string error_;
};

}  // namespace callctl::listen::detail
