// --record FILE: one JSON line per request, appended with a single write(2)
// on an O_APPEND descriptor, so that a crash leaves whole lines; a short
// write (a full disk) is cut back off the file rather than left half there.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "callctl/error.hpp"

namespace callctl::listen::detail {

class RecordFile {
public:
    // Created 0600 when missing (bodies may carry personal data), appended to otherwise.
    static Result<std::unique_ptr<RecordFile>> open(const std::string& path);
    ~RecordFile();
    RecordFile(const RecordFile&) = delete;
    RecordFile& operator=(const RecordFile&) = delete;

    // `line` without its newline. Thread-safe. bad_input (3) saying why on failure.
    Status append(std::string line);

private:
    RecordFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_;
    std::string path_;
    std::mutex mutex_;
};

}  // namespace callctl::listen::detail
