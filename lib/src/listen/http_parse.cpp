#include "listen/http_parse.hpp"

#include <charconv>

#include <fmt/format.h>

#include "callctl/util/strings.hpp"

namespace callctl::listen::detail {

namespace {

constexpr std::size_t max_chunk_line = 1024;
constexpr std::size_t max_trailer_bytes = 8 * 1024;

Error bad(std::string message) { return make_error(ExitCode::bad_input, std::move(message)); }

// RFC 9110 token characters.
bool is_tchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

bool is_token(std::string_view text) {
    if (text.empty()) return false;
    for (const char c : text) {
        if (!is_tchar(c)) return false;
    }
    return true;
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_ows(std::string_view text) {
    while (!text.empty() && is_ows(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_ows(text.back())) text.remove_suffix(1);
    return text;
}

std::size_t skip_leading_blank_lines(std::string_view buffer) {
    std::size_t i = 0;
    while (i < buffer.size() && (buffer[i] == '\r' || buffer[i] == '\n')) ++i;
    return i;
}

// Splits a comma-separated header list into trimmed, non-empty members.
template <class Visit>
void for_each_member(std::string_view value, Visit visit) {
    while (!value.empty()) {
        const auto comma = value.find(',');
        const std::string_view member = trim_ows(value.substr(0, comma));
        if (!member.empty()) visit(member);
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
}

bool header_has_token(const RequestHead& head, std::string_view name, std::string_view token) {
    bool found = false;
    for (const auto& h : head.headers) {
        if (h.name != name) continue;
        for_each_member(h.value, [&](std::string_view member) { found = found || util::iequals(member, token); });
    }
    return found;
}

}  // namespace

const std::string* find_header(const std::vector<Request::Header>& headers, std::string_view lower_case_name) {
    for (const auto& h : headers) {
        if (h.name == lower_case_name) return &h.value;
    }
    return nullptr;
}

std::size_t find_head_end(std::string_view buffer) {
    std::size_t line_start = skip_leading_blank_lines(buffer);
    for (std::size_t i = line_start; i < buffer.size(); ++i) {
        if (buffer[i] != '\n') continue;
        const std::size_t length = i - line_start;
        if (length == 0 || (length == 1 && buffer[line_start] == '\r')) return i + 1;
        line_start = i + 1;
    }
    return 0;
}

Result<RequestHead> parse_request_head(std::string_view head) {
    head.remove_prefix(skip_leading_blank_lines(head));
    RequestHead out;
    bool first = true;
    while (!head.empty()) {
        const auto newline = head.find('\n');
        std::string_view line = head.substr(0, newline);
        head.remove_prefix(newline == std::string_view::npos ? head.size() : newline + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;  // the blank line that ends the head
        if (line.find('\r') != std::string_view::npos || line.find('\0') != std::string_view::npos) {
            return bad("a stray CR or NUL in the request head");
        }

        if (first) {
            first = false;
            const auto sp1 = line.find(' ');
            const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
            if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
                return bad("malformed request line");
            }
            const std::string_view method = line.substr(0, sp1);
            const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
            const std::string_view version = line.substr(sp2 + 1);
            if (!is_token(method)) return bad("malformed request method");
            if (target.empty()) return bad("empty request target");
            for (const char c : target) {
                if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return bad("a control character in the request target");
            }
            if (version == "HTTP/1.1") {
                out.minor_version = 1;
            } else if (version == "HTTP/1.0") {
                out.minor_version = 0;
            } else {
                return bad("not HTTP/1.0 or HTTP/1.1");
            }
            out.method = std::string(method);
            out.target = std::string(target);
            continue;
        }

        if (is_ows(line.front())) return bad("folded header lines are not accepted");
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) return bad("a header line without a colon");
        const std::string_view name = line.substr(0, colon);
        if (!is_token(name)) return bad("malformed header name");
        const std::string_view value = trim_ows(line.substr(colon + 1));
        for (const char c : value) {
            const auto byte = static_cast<unsigned char>(c);
            if ((byte < 0x20 && c != '\t') || byte == 0x7f) return bad("a control character in a header value");
        }
        if (out.headers.size() == max_header_count) return bad(fmt::format("more than {} headers", max_header_count));
        out.headers.push_back({util::to_lower(name), std::string(value)});
    }
    if (first) return bad("empty request");
    return out;
}

Result<BodyFraming> body_framing(const RequestHead& head) {
    bool has_transfer_encoding = false;
    bool chunked_last = false;
    bool other_coding = false;
    std::optional<std::uint64_t> length;
    for (const auto& h : head.headers) {
        if (h.name == "transfer-encoding") {
            has_transfer_encoding = true;
            for_each_member(h.value, [&](std::string_view member) {
                if (chunked_last) other_coding = true;  // chunked must be the last coding, and only once
                if (util::iequals(member, "chunked")) {
                    chunked_last = true;
                } else {
                    other_coding = true;
                }
            });
        } else if (h.name == "content-length") {
            bool malformed = false;
            for_each_member(h.value, [&](std::string_view member) {
                std::uint64_t n = 0;
                const auto [end, ec] = std::from_chars(member.data(), member.data() + member.size(), n);
                if (ec != std::errc{} || end != member.data() + member.size() || member.front() == '+' ||
                    (length && *length != n)) {
                    malformed = true;
                } else {
                    length = n;
                }
            });
            if (malformed || h.value.empty()) return bad("malformed or conflicting Content-Length");
        }
    }
    if (has_transfer_encoding) {
        if (length) return bad("both Content-Length and Transfer-Encoding");
        if (head.minor_version == 0) return bad("Transfer-Encoding in an HTTP/1.0 request");
        if (other_coding || !chunked_last) return bad("unsupported Transfer-Encoding (only chunked is)");
        return BodyFraming{BodyFraming::Kind::chunked, 0};
    }
    if (length) return BodyFraming{BodyFraming::Kind::length, *length};
    return BodyFraming{};
}

bool keeps_alive(const RequestHead& head) {
    if (header_has_token(head, "connection", "close")) return false;
    return head.minor_version >= 1 || header_has_token(head, "connection", "keep-alive");
}

bool expects_continue(const RequestHead& head) {
    const std::string* expect = head.header("expect");
    return expect != nullptr && util::iequals(*expect, "100-continue");
}

// ---------------------------------------------------------------- chunked

ChunkedDecoder::State ChunkedDecoder::fail(std::string message) {
    error_ = std::move(message);
    return State::bad;
}

ChunkedDecoder::State ChunkedDecoder::feed(std::string_view input, std::size_t& consumed, std::string& body) {
    consumed = 0;
    while (consumed < input.size()) {
        if (step_ == Step::data) {
            const std::size_t available = input.size() - consumed;
            const std::size_t take = remaining_ < available ? static_cast<std::size_t>(remaining_) : available;
            body.append(input.data() + consumed, take);
            consumed += take;
            remaining_ -= take;
            if (remaining_ == 0) step_ = Step::data_end;
            continue;
        }
        // The other steps read one line at a time.
        const std::string_view rest = input.substr(consumed);
        const auto newline = rest.find('\n');
        const std::size_t take = newline == std::string_view::npos ? rest.size() : newline + 1;
        const std::size_t cap = step_ == Step::trailer ? max_trailer_bytes : max_chunk_line;
        if (line_.size() + take > cap) return fail(step_ == Step::trailer ? "chunked trailers too long" : "chunk size line too long");
        line_.append(rest.data(), take);
        consumed += take;
        if (newline == std::string_view::npos) return State::need_more;

        std::string_view line = line_;
        line.remove_suffix(1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        switch (step_) {
        case Step::size_line: {
            const std::string_view digits = trim_ows(line.substr(0, line.find(';')));
            std::uint64_t size = 0;
            const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size, 16);
            if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) return fail("malformed chunk size");
            if (size > limit_ || body.size() + size > limit_) return State::too_large;
            remaining_ = size;
            step_ = size == 0 ? Step::trailer : Step::data;
            break;
        }
        case Step::data_end:
            if (!line.empty()) return fail("chunk data longer than its size");
            step_ = Step::size_line;
            break;
        case Step::trailer:
            trailer_bytes_ += line_.size();
            if (trailer_bytes_ > max_trailer_bytes) return fail("chunked trailers too long");
            if (line.empty()) {
                line_.clear();
                return State::done;
            }
            break;  // trailers are read and dropped: nothing here needs them
        case Step::data: break;
        }
        line_.clear();
    }
    return State::need_more;
}

}  // namespace callctl::listen::detail
