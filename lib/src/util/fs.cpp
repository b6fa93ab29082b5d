#include "callctl/util/fs.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "callctl/util/interrupt.hpp"

namespace callctl::util {

namespace fs = std::filesystem;

namespace {

// "cannot read PATH: Is a directory": the path as given and why, errno's words.
Error read_error(const std::string& name, int error) {
    return make_error(ExitCode::bad_input, fmt::format("cannot read {}: {}", name, std::strerror(error)));
}

}  // namespace

std::string size_text(std::size_t bytes) {
    return bytes % (std::size_t{1} << 20) == 0 ? fmt::format("{} MiB", bytes >> 20) : fmt::format("{} bytes", bytes);
}

Result<int> open_for_reading(const std::string& path) {
    if (path == "-") return STDIN_FILENO;
    if (path.empty()) return make_error(ExitCode::bad_input, "cannot read a file with an empty name");
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return read_error(path, errno);
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        const int error = errno;
        ::close(fd);
        return read_error(path, error);
    }
    // open(2) takes a directory for reading; its read(2) is EISDIR, which
    // std::ifstream used to turn into "basic_filebuf::underflow".
    if (S_ISDIR(info.st_mode)) {
        ::close(fd);
        return read_error(path, EISDIR);
    }
    return fd;
}

Result<std::string> read_file(const std::string& path, std::size_t limit) {
    const bool is_stdin = path == "-";
    const std::string name = is_stdin ? "standard input" : path;
    auto opened = open_for_reading(path);
    if (!opened) return opened.error();
    const int fd = *opened;
    struct stat info {};
    std::string content;
    Status status;
    if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && static_cast<std::size_t>(info.st_size) > limit) {
        status = make_error(ExitCode::bad_input,
                            fmt::format("{} is {} bytes, more than the {} callctl reads", name, info.st_size, size_text(limit)));
    } else {
        if (S_ISREG(info.st_mode)) content.reserve(static_cast<std::size_t>(info.st_size));
        char buffer[65536];
        for (;;) {
            const ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                status = read_error(name, errno);
                break;
            }
            if (n == 0) break;
            // Never more than limit + one buffer in memory, whatever a pipe sends.
            if (content.size() + static_cast<std::size_t>(n) > limit) {
                status = make_error(ExitCode::bad_input, fmt::format("{} is more than the {} callctl reads", name, size_text(limit)));
                break;
            }
            content.append(buffer, static_cast<std::size_t>(n));
        }
    }
    if (!is_stdin) ::close(fd);
    if (!status) return status.error();
    return content;
}

Result<std::string> read_secret_file(const std::string& path) {
    auto content = read_file(path);
    if (!content) return content;
    std::string& text = *content;
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
    return content;
}

namespace {

// Blocks SIGINT/SIGTERM for its lifetime; a signal that arrives meanwhile is
// delivered when it ends, after the file is complete.
class SignalHold {
public:
    SignalHold() {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set, &old_);
    }
    ~SignalHold() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
    SignalHold(const SignalHold&) = delete;
    SignalHold& operator=(const SignalHold&) = delete;

private:
    sigset_t old_{};
};

// The disk or a limit refused the bytes: the output could not be written
// (12), as opposed to a file callctl may not touch or a path that is wrong (3).
bool is_out_of_space(int error) { return error == ENOSPC || error == EDQUOT || error == EFBIG || error == EIO; }

Error io_error(const fs::path& path, std::string_view what) {
    const int error = errno;
    return make_error(is_out_of_space(error) ? ExitCode::output_failed : ExitCode::bad_input,
                      fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(error)));
}

fs::path parent_of(const fs::path& path) { return path.has_parent_path() ? path.parent_path() : fs::path("."); }

// Parent directories a credential lives in are created private (0700).
Status ensure_directory(const fs::path& dir) {
    std::error_code ec;
    if (fs::exists(dir, ec)) return {};
    fs::create_directories(dir, ec);
    if (ec) return make_error(ExitCode::bad_input, fmt::format("cannot create {}: {}", dir.string(), ec.message()));
    ::chmod(dir.c_str(), 0700);
    return {};
}

}  // namespace

fs::path resolve_symlinks(const fs::path& path) {
    fs::path current = path;
    // As the kernel does (MAXSYMLINKS): a loop ends as the link it stopped
    // at, which write_file_atomic refuses (ELOOP).
    for (int hops = 0; hops < 40; ++hops) {
        std::error_code ec;
        if (!fs::is_symlink(fs::symlink_status(current, ec))) return current;
        const fs::path target = fs::read_symlink(current, ec);
        if (ec) return current;
        current = target.is_absolute() ? target : parent_of(current) / target;
    }
    return current;
}

Status write_file_atomic(const fs::path& given, std::string_view content, unsigned mode) {
    const fs::path path = resolve_symlinks(given);
    std::error_code link_ec;
    if (fs::is_symlink(fs::symlink_status(path, link_ec))) {  // a loop: never replace a link of it
        return make_error(ExitCode::bad_input, fmt::format("cannot write {}: {}", given.string(), std::strerror(ELOOP)));
    }
    const fs::path dir = parent_of(path);
    if (auto made = ensure_directory(dir); !made) return made;

    SignalHold hold;
    std::string temp = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
    const int fd = ::mkstemp(temp.data());  // created 0600, O_EXCL
    if (fd < 0) return io_error(dir, "create a temporary file in");
    auto fail = [&](std::string_view what) {
        Error error = io_error(path, what);
        ::close(fd);
        ::unlink(temp.c_str());
        return error;
    };
    if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) return fail("set permissions on");
    const char* data = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, data, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail("write");
        }
        data += n;
        left -= static_cast<std::size_t>(n);
    }
    // fsync reports what a delayed allocation could not place (ENOSPC on
    // some file systems shows here, not at write()).
    if (::fsync(fd) != 0) return fail("sync");
    if (::close(fd) != 0) {
        Error error = io_error(path, "close");
        ::unlink(temp.c_str());
        return error;
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        Error error = io_error(path, "replace");
        ::unlink(temp.c_str());
        return error;
    }
    // Make the rename itself durable.
    const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
    return {};
}

fs::path lock_path_for(const fs::path& path) {
    const fs::path target = resolve_symlinks(path);
    return parent_of(target) / ("." + target.filename().string() + ".lock");
}

Result<FileLock> FileLock::exclusive(const fs::path& path, std::chrono::milliseconds wait) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + wait;
    const fs::path lock_path = lock_path_for(path);
    if (auto made = ensure_directory(parent_of(lock_path)); !made) return made.error();
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return io_error(lock_path, "create the lock file");
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            Error error = io_error(lock_path, "lock");
            ::close(fd);
            return error;
        }
        if (interrupted()) {
            ::close(fd);
            return stopped_error(fmt::format("waiting for the lock on {}", path.string()));
        }
        if (Clock::now() >= deadline) {
            ::close(fd);
            return make_error(ExitCode::bad_input,
                              fmt::format("{} stayed locked by another process for {} s ({})", path.string(),
                                          std::chrono::duration_cast<std::chrono::seconds>(wait).count(),
                                          lock_path.string()),
                              "another callctl is writing it; if none is running, try again");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return FileLock(fd);
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

FileLock::~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

std::size_t remove_stale_temp_files(const fs::path& path) {
    const fs::path target = resolve_symlinks(path);
    // mkstemp's template in write_file_atomic: ".NAME." and six characters.
    const std::string prefix = "." + target.filename().string() + ".";
    std::size_t removed = 0;
    std::error_code ec;
    for (fs::directory_iterator it(parent_of(target), ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string_view suffix = std::string_view(name).substr(prefix.size());
        if (!std::all_of(suffix.begin(), suffix.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; })) {
            continue;
        }
        std::error_code kind_ec;
        if (!it->is_regular_file(kind_ec) || it->is_symlink(kind_ec)) continue;
        if (::unlink(it->path().c_str()) == 0) ++removed;
    }
    return removed;
}

}  // namespace callctl::util
