// listen: the request → event path on raw bytes off the wire: head framing
// and parsing, body framing (Content-Length or chunked, limited to 1 MiB),
// then examine() with no secrets and with both, and the record line.
#include <chrono>
#include <cstdint>
#include <string>

#include "callctl/crypto/crypto.hpp"
#include "callctl/listen/listen.hpp"
#include "fuzz_util.hpp"
#include "listen/http_parse.hpp"

using namespace callctl;
using namespace callctl::listen;

namespace {

// What the server would hand to examine(), or false when it would refuse the
// head itself (nothing to examine).
bool read_request(std::string_view wire, Request& request) {
    const std::size_t head_end = detail::find_head_end(wire);
    if (head_end == 0 || head_end > detail::max_head_bytes) return false;
    auto head = detail::parse_request_head(wire.substr(0, head_end));
    if (!head) return false;
    FUZZ_CHECK(!head->method.empty() && !head->target.empty());
    std::string_view rest = wire.substr(head_end);
    request.method = head->method;
    request.target = head->target;
    request.remote = "127.0.0.1:1";
    request.received_at = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    auto framing = detail::body_framing(*head);
    if (!framing) {
        request.refused = Request::Refusal{400, framing.error().message};
    } else if (framing->kind == detail::BodyFraming::Kind::length) {
        if (framing->length > max_body_bytes) {
            request.refused = Request::Refusal{413, "too large"};
        } else {
            request.body = std::string(rest.substr(0, static_cast<std::size_t>(framing->length)));  // what arrived of it
        }
    } else if (framing->kind == detail::BodyFraming::Kind::chunked) {
        detail::ChunkedDecoder decoder(max_body_bytes);
        std::size_t consumed = 0;
        const auto state = decoder.feed(rest, consumed, request.body);
        FUZZ_CHECK(consumed <= rest.size());
        FUZZ_CHECK(request.body.size() <= max_body_bytes);
        if (state == detail::ChunkedDecoder::State::bad) FUZZ_CHECK(!decoder.error().empty());
        if (state != detail::ChunkedDecoder::State::done) request.refused = Request::Refusal{400, "chunks"};
    }
    if (request.refused) request.body.clear();
    request.headers = std::move(head->headers);
    for (const auto& h : request.headers) {
        FUZZ_CHECK(!h.name.empty());
        for (const char c : h.name) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
    }
    return true;
}

void check_verdict(const Request& request, const Verdict& verdict) {
    const int s = verdict.status;
    FUZZ_CHECK(s == 200 || s == 400 || s == 401 || s == 405 || s == 408 || s == 413);
    if (s == 200) {
        FUZZ_CHECK(verdict.event.is_object());
        FUZZ_CHECK(verdict.event.contains("signature") && verdict.event.contains("request"));
        const auto vendor = verdict.event.value("vendor", "");
        FUZZ_CHECK(vendor == "kaleyra" || vendor == "webex");
        (void)verdict.event.dump(-1, ' ', false, Json::error_handler_t::replace);
    } else {
        FUZZ_CHECK(!verdict.reason.empty());
        FUZZ_CHECK(verdict.event.is_null());
    }
    const Json line = Json::parse(record_line(request, s));  // always valid JSON
    if (line.contains("body")) {
        FUZZ_CHECK(line["body"].get<std::string>() == request.body);
    } else if (line.contains("body_base64")) {
        FUZZ_CHECK(!is_utf8(request.body));
        FUZZ_CHECK(*crypto::base64_decode(line["body_base64"].get<std::string>()) == request.body);
    } else {
        FUZZ_CHECK(request.refused.has_value());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Request request;
    if (!read_request(fuzz::as_text(data, size), request)) return 0;
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    check_verdict(request, examine(request, {}, now));
    CheckOptions checked;
    checked.secrets.kaleyra_api_key = "ak_live_123456";
    checked.secrets.webex_secret = "webex";
    const Verdict verdict = examine(request, checked, now);
    check_verdict(request, verdict);
    if (verdict.status == 200) FUZZ_CHECK(verdict.event["signature"] == "verified");
    return 0;
}
