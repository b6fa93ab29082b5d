// Files as callctl reads and writes them: whole-file reads that report what
// went wrong, and atomic writes (temp file + fsync + rename) so that a crash or
// Ctrl-C leaves either the old file or the new one, never half of either.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "callctl/error.hpp"

namespace callctl::util {

// Reads the whole file; "-" reads standard input. Errors are bad_input (3).
Result<std::string> read_file(const std::string& path);

// Reads a secret from a file or "-" (stdin) and strips one trailing newline,
// the way `echo token > file` leaves it.
Result<std::string> read_secret_file(const std::string& path);

// Writes `content` to `path` atomically with permission `mode` (0600 for
// credentials), creating parent directories (0700). SIGINT is held off between
// the write and the rename so that an interrupt cannot leave a temp file behind.
Status write_file_atomic(const std::filesystem::path& path, std::string_view content, unsigned mode = 0600);

}  // namespace callctl::util
