#include "listen/record.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace callctl::listen::detail {

Result<std::unique_ptr<RecordFile>> RecordFile::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return make_error(ExitCode::bad_input, fmt::format("cannot open --record {}: {}", path, std::strerror(errno)));
    return std::unique_ptr<RecordFile>(new RecordFile(fd, path));
}

RecordFile::~RecordFile() { ::close(fd_); }

Status RecordFile::append(std::string line) {
    line.push_back('\n');
    const std::lock_guard lock(mutex_);
    ssize_t written = -1;
    do {
        written = ::write(fd_, line.data(), line.size());
    } while (written < 0 && errno == EINTR);
    if (written == static_cast<ssize_t>(line.size())) return {};
    const int error = written < 0 ? errno : ENOSPC;
    if (written > 0) {
        // Only this process appends under this lock: the partial line is the
        // file's tail, and cutting it off leaves whole lines only.
        struct stat info {};
        if (::fstat(fd_, &info) == 0 && info.st_size >= written) {
            [[maybe_unused]] const int cut = ::ftruncate(fd_, info.st_size - written);
        }
    }
    return make_error(ExitCode::bad_input, fmt::format("cannot append to --record {}: {}", path_, std::strerror(error)));
}

}  // namespace callctl::listen::detail
