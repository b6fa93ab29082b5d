// What decode-push and encode-push share: reading the intercom push key, and
// the human renderings of a decoded push (the library returns the normalised
// object; these turn it into text).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "app.hpp"
#include "callctl/output/table.hpp"
#include "callctl/push/push.hpp"

namespace callctl::cli {

// The environment variable that may hold the push key instead of --key-file.
inline constexpr const char* push_key_env = "CALLCTL_PUSH_KEY";

// The 32-byte key from --key-file (preferred) or CALLCTL_PUSH_KEY; nullopt when
// neither is given. A key that does not parse is bad_input (3), naming where
// it came from but never echoing it. There is deliberately no --key option:
// argv is visible to every user on the machine.
Result<std::optional<std::string>> read_push_key(const std::string& key_file, const Context& context);

// -o table for one push: key/value lines (vendor, event, who, what was
// decrypted, JWT expiry). Secrets (passwords, the JWT itself) are left out:
// the JSON output has them for whoever asks.
std::string render_push_summary(const push::Json& normalized, std::int64_t now_unix, std::size_t width,
                                output::Style style);

// -o table with --stream: one line per payload, "LINE  VENDOR  EVENT  SUBJECT  NOTES".
std::string push_summary_line(std::size_t line_number, const push::Json& normalized);
std::string push_error_line(std::size_t line_number, const Error& error);

// --stream: reads `fd` to the end, one payload per line, and writes one result
// per line (compact JSON, the extracted payload, or a summary line when
// `summary_lines`). Failures become error objects on their line and are
// recorded in the context; the returned Status is only for the stream itself
// (unreadable input, Ctrl-C).
struct StreamSettings {
    bool summary_lines = false;
    bool flush_each_line = false;  // stdout is a terminal: show each result at once
};
Status decode_push_stream(int fd, const push::DecodeOptions& options, const StreamSettings& settings,
                          Context& context);

}  // namespace callctl::cli
