// Files as callctl reads and writes them: whole-file reads that report what
// went wrong, and atomic writes (temp file + fsync + rename) so that a crash or
// Ctrl-C leaves either the old file or the new one, never half of either.
#pragma once

#include <chrono>
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
// credentials), creating parent directories (0700). SIGINT and SIGTERM are
// held off between the write and the rename so that a signal cannot leave a
// temp file behind. A failed write (disk full, `ulimit -f`) leaves the old
// file as it was and no temp file: exit 12 (output_failed) when the disk or
// a limit refused the bytes (ENOSPC, EDQUOT, EFBIG, EIO), 3 otherwise.
Status write_file_atomic(const std::filesystem::path& path, std::string_view content, unsigned mode = 0600);

// An exclusive flock(2) on a file, held for the object's lifetime: how
// several callctl processes take turns at a read-modify-write of one file.
// The lock is on the file itself, not on a sibling lock file, so nothing is
// left beside it; since writers replace the file by rename (a new inode), a
// lock on a file that was replaced meanwhile is let go and taken again on the
// new one. A missing file is created empty (mode 0600) to have something to
// lock; `created()` says so, and release_created() removes it again when
// nothing was written.
class FileLock {
public:
    // Waits for other holders at most `wait`, and stops waiting on Ctrl-C or
    // SIGTERM. Errors: bad_input (3) for a file that cannot be opened or a
    // lock held too long, stopped_error() when interrupted.
    static Result<FileLock> exclusive(const std::filesystem::path& path,
                                      std::chrono::milliseconds wait = std::chrono::seconds(10));
    FileLock(FileLock&& other) noexcept;
    FileLock& operator=(FileLock&& other) noexcept;
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    ~FileLock();

    bool created() const { return created_; }
    // Removes the file when this lock created it and it is still empty.
    void release_created();

private:
    FileLock(int fd, std::filesystem::path path, bool created) : fd_(fd), path_(std::move(path)), created_(created) {}
    int fd_ = -1;
    std::filesystem::path path_;
    bool created_ = false;
};

}  // namespace callctl::util
