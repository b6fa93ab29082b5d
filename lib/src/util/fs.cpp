#include "callctl/util/fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>

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

Error io_error(const fs::path& path, std::string_view what) {
    return make_error(ExitCode::bad_input, fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(errno)));
}

}  // namespace

Status write_file_atomic(const fs::path& path, std::string_view content, unsigned mode) {
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
        fs::create_directories(dir, ec);
        if (ec) return make_error(ExitCode::bad_input, fmt::format("cannot create {}: {}", dir.string(), ec.message()));
        ::chmod(dir.c_str(), 0700);
    }

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

}  // namespace callctl::util
