#include "callctl/util/fs.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "callctl/util/interrupt.hpp"

namespace callctl::util {

namespace fs = std::filesystem;

Result<std::string> read_file(const std::string& path) {
    if (path == "-") {
        std::ostringstream buffer;
        buffer << std::cin.rdbuf();
        if (std::cin.bad()) return make_error(ExitCode::bad_input, "cannot read standard input");
        return buffer.str();
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return make_error(ExitCode::bad_input, fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    }
    std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) return make_error(ExitCode::bad_input, fmt::format("cannot read {}", path));
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

bool same_file(int fd, const fs::path& path) {
    struct stat held {};
    struct stat current {};
    return ::fstat(fd, &held) == 0 && ::stat(path.c_str(), &current) == 0 && held.st_dev == current.st_dev &&
           held.st_ino == current.st_ino;
}

}  // namespace

Status write_file_atomic(const fs::path& path, std::string_view content, unsigned mode) {
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

Result<FileLock> FileLock::exclusive(const fs::path& path, std::chrono::milliseconds wait) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + wait;
    if (auto made = ensure_directory(parent_of(path)); !made) return made.error();
    auto held_too_long = [&] {
        return make_error(ExitCode::bad_input,
                          fmt::format("{} stayed locked by another process for {} s", path.string(),
                                      std::chrono::duration_cast<std::chrono::seconds>(wait).count()),
                          "another callctl is writing it; if none is running, try again");
    };
    for (;;) {
        bool created = false;
        int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0 && errno == EACCES) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // flock needs no write access
        if (fd < 0 && errno == ENOENT) {
            fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd < 0 && errno == EEXIST) continue;  // another process created it first: lock that one
            created = fd >= 0;
        }
        if (fd < 0) return io_error(path, "open");

        while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR) {
                Error error = io_error(path, "lock");
                ::close(fd);
                return error;
            }
            if (interrupted() || Clock::now() >= deadline) {
                ::close(fd);
                if (interrupted()) return stopped_error(fmt::format("waiting for the lock on {}", path.string()));
                return held_too_long();
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        // The holder before us may have replaced the file (rename) or removed
        // it: then this lock guards nothing, and the new file needs one.
        if (same_file(fd, path)) return FileLock(fd, path, created);
        ::close(fd);
        if (Clock::now() >= deadline) return held_too_long();
    }
}

FileLock::FileLock(FileLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)), created_(other.created_) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        path_ = std::move(other.path_);
        created_ = other.created_;
    }
    return *this;
}

FileLock::~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

void FileLock::release_created() {
    if (!created_ || fd_ < 0) return;
    struct stat held {};
    // Still ours and still empty: nobody wrote it (a write would have
    // renamed a new file over it, so same_file would fail).
    if (::fstat(fd_, &held) == 0 && held.st_size == 0 && same_file(fd_, path_)) ::unlink(path_.c_str());
    created_ = false;
}

}  // namespace callctl::util
