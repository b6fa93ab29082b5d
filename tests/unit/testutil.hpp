#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace callctl::testing {

// A fresh directory under $TMPDIR, removed when the test ends.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "callctl-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

// Runs work(0) ... work(count - 1) in `count` forked processes at once, the
// way that many callctl commands share one file. A child exits 0 when its
// work returned true. Returns how many did; every child is waited for.
inline int succeeded_in_processes(int count, const std::function<bool(int)>& work) {
    std::vector<pid_t> children;
    for (int p = 0; p < count; ++p) {
        const pid_t pid = ::fork();
        if (pid == 0) ::_exit(work(p) ? 0 : 1);
        if (pid > 0) children.push_back(pid);
    }
    int succeeded = 0;
    for (const pid_t pid : children) {
        int status = 0;
        if (::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0) ++succeeded;
    }
    return succeeded;
}

}  // namespace callctl::testing
