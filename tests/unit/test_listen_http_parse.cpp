// The listen server's HTTP/1.1 framing (listen/http_parse.hpp): heads, body
// framing (and what is refused as ambiguous), keep-alive, chunked decoding
// fed a byte at a time and stopped at the size limit.
#include <doctest/doctest.h>

#include <string>

#include "listen/http_parse.hpp"

using namespace callctl;
using namespace callctl::listen::detail;

namespace {

RequestHead head_of(const std::string& text) {
    auto head = parse_request_head(text);
    REQUIRE_MESSAGE(head.has_value(), (head ? "" : head.error().message));
    return *head;
}

std::string parse_error(const std::string& text) {
    auto head = parse_request_head(text);
    REQUIRE_FALSE(head.has_value());
    CHECK(head.error().code == ExitCode::bad_input);
    return head.error().message;
}

// Feeds `input` in pieces of `step` bytes, as a socket might deliver it.
ChunkedDecoder::State decode_chunked(const std::string& input, std::size_t step, std::string& body, std::size_t limit = 1 << 20,
                                     std::size_t* left_over = nullptr) {
    ChunkedDecoder decoder(limit);
    std::string pending;
    std::size_t offset = 0;
    for (;;) {
        if (offset < input.size()) {
            pending.append(input, offset, step);
            offset += step;
        }
        std::size_t consumed = 0;
        const auto state = decoder.feed(pending, consumed, body);
        pending.erase(0, consumed);
        if (state != ChunkedDecoder::State::need_more || offset >= input.size()) {
            if (left_over != nullptr) *left_over = pending.size() + (offset < input.size() ? input.size() - offset : 0);
            return state;
        }
    }
}

}  // namespace

TEST_CASE("find_head_end: CRLF, bare LF, leading blank lines, incomplete") {
    CHECK(find_head_end("POST / HTTP/1.1\r\nHost: x\r\n\r\nbody") == 28);
    CHECK(find_head_end("POST / HTTP/1.1\nHost: x\n\nbody") == 25);
    CHECK(find_head_end("\r\n\r\nPOST / HTTP/1.1\r\n\r\n") == 23);
    CHECK(find_head_end("POST / HTTP/1.1\r\nHost: x\r\n") == 0);
    CHECK(find_head_end("") == 0);
    CHECK(find_head_end("\r\n") == 0);
}

TEST_CASE("parse_request_head: request line and headers") {
    const auto head = head_of("POST /hooks/kaleyra?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nBandyer-Signature:  t=1,v0=ab \r\n"
                              "X-Empty:\r\n\r\n");
    CHECK(head.method == "POST");
    CHECK(head.target == "/hooks/kaleyra?x=1");
    CHECK(head.minor_version == 1);
    REQUIRE(head.headers.size() == 3);
    CHECK(head.headers[1].name == "bandyer-signature");
    CHECK(head.headers[1].value == "t=1,v0=ab");
    CHECK(head.headers[2].value.empty());
    REQUIRE(head.header("host") != nullptr);
    CHECK(*head.header("host") == "127.0.0.1");
    CHECK(head.header("missing") == nullptr);
    CHECK(head_of("GET / HTTP/1.0\r\n\r\n").minor_version == 0);
    CHECK(head_of("\r\nGET / HTTP/1.1\r\n\r\n").method == "GET");  // a stray CRLF after the previous body
}

TEST_CASE("parse_request_head: what is refused") {
    CHECK(parse_error("\r\n\r\n") == "empty request");
    CHECK(parse_error("GARBAGE\r\n\r\n") == "malformed request line");
    CHECK(parse_error("POST  / HTTP/1.1\r\n\r\n") == "malformed request line");
    CHECK(parse_error("POST / HTTP/1.1 extra\r\n\r\n") == "malformed request line");
    CHECK(parse_error("PO(ST / HTTP/1.1\r\n\r\n") == "malformed request method");
    CHECK(parse_error("POST / HTTP/2.0\r\n\r\n") == "not HTTP/1.0 or HTTP/1.1");
    CHECK(parse_error(std::string("POST /\x01 HTTP/1.1\r\n\r\n")) == "a control character in the request target");
    CHECK(parse_error("POST / HTTP/1.1\r\n folded: yes\r\n\r\n") == "folded header lines are not accepted");
    CHECK(parse_error("POST / HTTP/1.1\r\nno colon\r\n\r\n") == "a header line without a colon");
    CHECK(parse_error("POST / HTTP/1.1\r\nBad Name: x\r\n\r\n") == "malformed header name");
    CHECK(parse_error("POST / HTTP/1.1\r\nName : x\r\n\r\n") == "malformed header name");
    CHECK(parse_error(std::string("POST / HTTP/1.1\r\nX: a\x7f\r\n\r\n")) == "a control character in a header value");
    CHECK(parse_error(std::string("POST / HTTP/1.1\r\nX: a\rb\r\n\r\n")) == "a stray CR or NUL in the request head");
    std::string many = "POST / HTTP/1.1\r\n";
    for (int i = 0; i <= 100; ++i) many += "X" + std::to_string(i) + ": v\r\n";
    CHECK(parse_error(many + "\r\n") == "more than 100 headers");
}

TEST_CASE("body_framing: length, chunked, none, and the ambiguous") {
    const auto framing = [](const std::string& headers) { return body_framing(head_of("POST / HTTP/1.1\r\n" + headers + "\r\n")); };
    auto length = framing("Content-Length: 42\r\n");
    REQUIRE(length.has_value());
    CHECK(length->kind == BodyFraming::Kind::length);
    CHECK(length->length == 42);
    CHECK(framing("Content-Length: 7\r\nContent-Length: 7\r\n")->length == 7);  // repeated, equal: fine
    CHECK(framing("Content-Length: 7, 7\r\n")->length == 7);
    CHECK(framing("Transfer-Encoding: chunked\r\n")->kind == BodyFraming::Kind::chunked);
    CHECK(framing("Transfer-Encoding: Chunked\r\n")->kind == BodyFraming::Kind::chunked);
    CHECK(framing("")->kind == BodyFraming::Kind::none);
    CHECK(framing("Content-Length: 99999999999999999999999\r\n").error().message == "malformed or conflicting Content-Length");
    for (const char* bad : {"Content-Length: 1\r\nContent-Length: 2\r\n", "Content-Length: -1\r\n", "Content-Length: +1\r\n",
                            "Content-Length: 0x10\r\n", "Content-Length:\r\n", "Content-Length: 1 2\r\n"}) {
        CAPTURE(std::string(bad));
        CHECK(framing(bad).error().message == "malformed or conflicting Content-Length");
    }
    CHECK(framing("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n").error().message ==
          "both Content-Length and Transfer-Encoding");
    CHECK(framing("Transfer-Encoding: gzip, chunked\r\n").error().message == "unsupported Transfer-Encoding (only chunked is)");
    CHECK(framing("Transfer-Encoding: chunked, gzip\r\n").error().message == "unsupported Transfer-Encoding (only chunked is)");
    CHECK(framing("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n").error().message ==
          "unsupported Transfer-Encoding (only chunked is)");
    CHECK(body_framing(head_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n")).error().message ==
          "Transfer-Encoding in an HTTP/1.0 request");
}

TEST_CASE("keeps_alive and expects_continue") {
    CHECK(keeps_alive(head_of("POST / HTTP/1.1\r\n\r\n")));
    CHECK_FALSE(keeps_alive(head_of("POST / HTTP/1.1\r\nConnection: close\r\n\r\n")));
    CHECK_FALSE(keeps_alive(head_of("POST / HTTP/1.1\r\nConnection: TE, Close\r\n\r\n")));
    CHECK_FALSE(keeps_alive(head_of("POST / HTTP/1.0\r\n\r\n")));
    CHECK(keeps_alive(head_of("POST / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")));
    CHECK(expects_continue(head_of("POST / HTTP/1.1\r\nExpect: 100-Continue\r\n\r\n")));
    CHECK_FALSE(expects_continue(head_of("POST / HTTP/1.1\r\n\r\n")));
}

TEST_CASE("chunked: whole, a byte at a time, extensions, trailers, what follows") {
    const std::string wire = "4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\nNEXT";
    for (const std::size_t step : {std::size_t{1}, std::size_t{3}, wire.size()}) {
        CAPTURE(step);
        std::string body;
        std::size_t left = 0;
        CHECK(decode_chunked(wire, step, body, 1 << 20, &left) == ChunkedDecoder::State::done);
        CHECK(body == "Wikipedia in\r\n\r\nchunks.");
        CHECK(left == 4);  // "NEXT" belongs to the next request
    }
    std::string body;
    CHECK(decode_chunked("0\n\n", 1, body) == ChunkedDecoder::State::done);  // bare LF, empty body
    CHECK(body.empty());
}

TEST_CASE("chunked: the limit stops it at the size line, before the data") {
    std::string body;
    CHECK(decode_chunked("100001\r\n", 100, body, 1 << 20) == ChunkedDecoder::State::too_large);
    CHECK(body.empty());
    body.clear();
    CHECK(decode_chunked("8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n", 4, body, 16) == ChunkedDecoder::State::done);
    body.clear();
    CHECK(decode_chunked("8\r\n12345678\r\n9\r\n123456789\r\n", 4, body, 16) == ChunkedDecoder::State::too_large);
    body.clear();
    CHECK(decode_chunked("ffffffffffffffff\r\n", 64, body) == ChunkedDecoder::State::too_large);
}

TEST_CASE("chunked: broken framing") {
    for (const char* bad : {"zz\r\n", "\r\n", "4\r\nWikiX\r\n", "10000000000000000\r\n", ";ext\r\n"}) {
        CAPTURE(std::string(bad));
        std::string body;
        CHECK(decode_chunked(bad, 2, body) == ChunkedDecoder::State::bad);
    }
    std::string body;
    CHECK(decode_chunked(std::string(2000, '1'), 100, body) == ChunkedDecoder::State::bad);  // endless size line
    ChunkedDecoder decoder(1 << 20);
    std::size_t consumed = 0;
    std::string out;
    CHECK(decoder.feed("0\r\n" + std::string(9000, 'x'), consumed, out) == ChunkedDecoder::State::bad);
    CHECK(decoder.error() == "chunked trailers too long");
}
