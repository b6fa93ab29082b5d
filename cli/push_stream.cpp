// decode-push --stream: one payload per line in, one result per line out.
//
// Built for throughput (a QA capture of 100k pushes should take seconds):
// input is read with read(2) in 1 MiB chunks and split in place, results are
// appended to one reused buffer that goes to stdout in large writes, and
// nothing is flushed per line unless stdout is a terminal (someone watching).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "callctl/push/fast_stream.hpp"
#include "callctl/util/interrupt.hpp"
#include "push_cli.hpp"

namespace callctl::cli {

namespace {

constexpr std::size_t read_chunk = std::size_t{1} << 20;
constexpr std::size_t write_threshold = std::size_t{1} << 18;
constexpr std::size_t interrupt_check_every = 4096;  // lines
constexpr std::size_t max_warning_lines = 10;         // per-line warnings shown on stderr
// callctl(1), decode-push: a longer line becomes an error object and is never
// held whole, so memory stays bounded whatever the input.
constexpr std::size_t max_line_bytes = std::size_t{16} << 20;

std::string_view trim_line(std::string_view line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    return line;
}

// With --require-decrypt a decoded payload can still fail: its warnings say why.
Error decrypt_failure(const push::Decoded& decoded) {
    std::string message;
    for (const auto& warning : decoded.warnings) message += (message.empty() ? "" : "; ") + warning;
    return make_error(decoded.status, message.empty() ? "a field stayed encrypted" : message);
}

class StreamWriter {
public:
    StreamWriter(Context& context, const push::DecodeOptions& options, const StreamSettings& settings)
        : context_(context), out_(context.out()), options_(options), settings_(settings), fast_(options),
          plain_json_(!out_.filtering() && !settings.summary_lines) {
        buffer_.reserve(write_threshold * 2);
    }

    void line(std::size_t number, std::string_view raw) {
        raw = trim_line(raw);
        if (raw.empty()) return;  // blank lines separate nothing and produce nothing
        // The common line (an intercom push that decrypts) straight to bytes;
        // the rest, and every error, through decode() (push/fast_stream.hpp).
        if (plain_json_ && fast_.append(raw, buffer_)) {
            buffer_ += '\n';
        } else {
            decode_line(number, raw);
        }
        if (settings_.flush_each_line || buffer_.size() >= write_threshold) flush();
    }

    void too_long(std::size_t number) {
        failure(number, make_error(ExitCode::bad_input, fmt::format("line is longer than {} MiB", max_line_bytes >> 20)));
        if (settings_.flush_each_line || buffer_.size() >= write_threshold) flush();
    }

    void flush() {
        if (buffer_.empty()) return;
        out_.text(buffer_);
        buffer_.clear();
        if (settings_.flush_each_line) out_.flush();
    }

    void finish() {
        flush();
        if (suppressed_warnings_ > 0) {
            context_.warn(fmt::format("{} more warning{} not shown", suppressed_warnings_, suppressed_warnings_ == 1 ? "" : "s"));
        }
    }

private:
    void decode_line(std::size_t number, std::string_view raw) {
        auto decoded = push::decode(raw, options_);
        if (decoded && decoded->status != ExitCode::ok) decoded = decrypt_failure(*decoded);
        if (!decoded) {
            failure(number, decoded.error());
        } else {
            for (const auto& warning : decoded->warnings) warn(number, warning);
            if (decoded->extracted && out_.filtering()) append_json(push::Json::parse(*decoded->extracted, nullptr, false));
            else if (decoded->extracted) buffer_.append(*decoded->extracted).append(1, '\n');
            else if (settings_.summary_lines) buffer_.append(push_summary_line(number, decoded->normalized)).append(1, '\n');
            else append_json(decoded->normalized);
        }
    }

    void failure(std::size_t number, const Error& error) {
        context_.record_failure(error.code);
        if (settings_.summary_lines) buffer_.append(push_error_line(number, error)).append(1, '\n');
        else append_json(push::stream_error(error, number));
    }

    // One line per result; with --jq, the filter's lines for it (jq runs on
    // each result as it is made, so the stream stays a stream).
    void append_json(const push::Json& value) {
        if (out_.filtering()) {
            out_.append_filtered(value, buffer_);
            return;
        }
        // dump() builds a fresh string; appending it is cheap next to the
        // parse and decrypt that produced the value.
        buffer_ += value.dump(-1, ' ', false, push::Json::error_handler_t::replace);
        buffer_ += '\n';
    }

    // One warning per line would bury stderr (e.g. 100k pushes without a
    // key): show the first few, then count.
    void warn(std::size_t number, const std::string& text) {
        if (warnings_shown_ < max_warning_lines) {
            context_.warn(fmt::format("line {}: {}", number, text));
            ++warnings_shown_;
        } else {
            ++suppressed_warnings_;
        }
    }

    Context& context_;
    Printer& out_;
    const push::DecodeOptions& options_;
    const StreamSettings& settings_;
    push::IntercomFastPath fast_;
    const bool plain_json_;  // neither --jq nor -o table: the fast path's output is the output
    std::string buffer_;
    std::size_t warnings_shown_ = 0;
    std::size_t suppressed_warnings_ = 0;
};

}  // namespace

Status decode_push_stream(int fd, const push::DecodeOptions& options, const StreamSettings& settings, Context& context) {
    StreamWriter writer(context, options, settings);
    std::vector<char> buffer(read_chunk);
    std::size_t start = 0;  // first byte not yet consumed
    std::size_t end = 0;    // one past the last byte read
    std::size_t line_number = 0;
    bool skipping = false;  // inside a line past max_line_bytes: drop bytes up to its newline
    Status status;

    for (;;) {
        if (end == buffer.size()) {
            if (start > 0) {  // keep the partial line, drop what is done
                std::memmove(buffer.data(), buffer.data() + start, end - start);
                end -= start;
                start = 0;
            } else {
                buffer.resize(buffer.size() * 2);  // one line longer than the buffer (at most max_line_bytes)
            }
        }
        const ssize_t got = ::read(fd, buffer.data() + end, buffer.size() - end);
        if (got < 0) {
            if (errno == EINTR && !util::interrupted()) continue;
            status = errno == EINTR ? stopped_error("reading the pushes")
                                    : make_error(ExitCode::bad_input, fmt::format("cannot read the input: {}", std::strerror(errno)));
            break;
        }
        if (got == 0) {
            if (skipping) writer.too_long(++line_number);
            else if (start < end) writer.line(++line_number, std::string_view(buffer.data() + start, end - start));
            break;
        }
        end += static_cast<std::size_t>(got);

        while (start < end) {
            const char* base = buffer.data() + start;
            const auto* newline = static_cast<const char*>(std::memchr(base, '\n', end - start));
            if (newline == nullptr) break;
            const auto length = static_cast<std::size_t>(newline - base);
            if (skipping) {
                skipping = false;
                writer.too_long(++line_number);
            } else if (length > max_line_bytes) {
                writer.too_long(++line_number);
            } else {
                writer.line(++line_number, std::string_view(base, length));
            }
            start += length + 1;
            if (line_number % interrupt_check_every == 0 && util::interrupted()) break;
        }
        if (start == end) start = end = 0;
        if (skipping || end - start > max_line_bytes) {  // no newline yet: the rest of this line is not kept
            skipping = true;
            start = end = 0;
        }
        if (util::interrupted()) {
            status = stopped_error("reading the pushes");
            break;
        }
    }
    writer.finish();
    return status;
}

}  // namespace callctl::cli
