// Files as callctl reads and writes them: whole-file reads that report what
// went wrong, and atomic writes (temp file + fsync + rename) so that a crash or
// Ctrl-C leaves either the old file or the new one, never half of either.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "callctl/error.hpp"

namespace callctl::util {

// What read_file() takes at most unless told otherwise.
inline constexpr std::size_t default_read_limit = std::size_t{64} << 20;  // 64 MiB

// The one file reader of callctl: every file option, positional file and
// stored file goes through it. Reads the whole file; "-" reads standard
// input. Every failure is bad_input (3) naming the path and why: a
// directory, a missing or unreadable file, or more than `limit` bytes
// ("PATH is N bytes, more than the 64 MiB callctl reads"). FIFOs and
// character devices (/dev/stdin, <(...)) are read like files.
Result<std::string> read_file(const std::string& path, std::size_t limit = default_read_limit);

// Opens `path` for reading as read_file() does ("-": standard input, not
// to be closed), refusing a directory: for input read as a stream.
Result<int> open_for_reading(const std::string& path);

// "64 MiB", or "1024 bytes" for a limit that is no whole number of MiB.
std::string size_text(std::size_t bytes);

// Reads a secret from a file or "-" (stdin) and strips one trailing newline,
// the way `echo token > file` leaves it.
Result<std::string> read_secret_file(const std::string& path);

// The file a path finally names: a symlink (chain) is followed to its target,
// relative targets taken from the link's directory; anything else is `path`
// itself. A write through a symlink replaces the target and keeps the link,
// as dotfile managers expect.
std::filesystem::path resolve_symlinks(const std::filesystem::path& path);

// Writes `content` to `path` atomically with permission `mode` (0600 for
// credentials), creating parent directories (0700). A symlink is written
// through: its target is replaced (resolve_symlinks). SIGINT and SIGTERM are
// held off between the write and the rename so that a signal cannot leave a
// temp file behind. A failed write (disk full, `ulimit -f`) leaves the old
// file as it was and no temp file: exit 12 (output_failed) when the disk or
// a limit refused the bytes (ENOSPC, EDQUOT, EFBIG, EIO), 3 otherwise.
Status write_file_atomic(const std::filesystem::path& path, std::string_view content, unsigned mode = 0600);

// An exclusive flock(2) held for the object's lifetime: how several callctl
// processes take turns at a read-modify-write of one file. The lock is on a
// lock file beside the (symlink-resolved) file, ".NAME.lock", created 0600
// and never removed (removing it would let two processes lock two inodes),
// so the file itself is only ever replaced by rename, never locked or
// created empty.
class FileLock {
public:
    // Waits for other holders at most `wait`, and stops waiting on Ctrl-C or
    // SIGTERM. Errors: bad_input (3) for a lock file that cannot be created
    // or a lock held too long, stopped_error() when interrupted.
    static Result<FileLock> exclusive(const std::filesystem::path& path,
                                      std::chrono::milliseconds wait = std::chrono::seconds(10));
    FileLock(FileLock&& other) noexcept;
    FileLock& operator=(FileLock&& other) noexcept;
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    ~FileLock();

private:
    explicit FileLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

// ".NAME.lock" beside the file `path` resolves to.
std::filesystem::path lock_path_for(const std::filesystem::path& path);

// Removes the temporary files write_file_atomic() left for `path` when a
// process died between creating and renaming one (SIGKILL, power loss):
// ".NAME.XXXXXX" beside the resolved file. Call it only under the file's
// FileLock, where no other writer can be midway. Returns how many went.
std::size_t remove_stale_temp_files(const std::filesystem::path& path);

}  // namespace callctl::util
