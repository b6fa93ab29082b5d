// util/fs: the one file reader (what it refuses and how it says so), symlinks
// written through, the lock file beside a file, stale temp files, and
// config.json's read-modify-write under that lock from several processes.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "callctl/config/config_file.hpp"
#include "callctl/util/fs.hpp"
#include "testutil.hpp"

using namespace callctl;

namespace {

void write_text(const std::filesystem::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("fs: read_file names the path and why, exit 3, for every bad path") {
    testing::TempDir dir;
    write_text(dir / "plain", "text");
    CHECK(util::read_file((dir / "plain").string()).value() == "text");

    const std::vector<std::pair<std::filesystem::path, std::string>> bad = {
        {dir.path(), "Is a directory"},
        {dir / "missing", "No such file or directory"},
        {dir / "plain" / "below", "Not a directory"},
    };
    for (const auto& [path, why] : bad) {
        CAPTURE(path);
        auto read = util::read_file(path.string());
        REQUIRE_FALSE(read);
        CHECK(read.error().code == ExitCode::bad_input);
        CHECK(read.error().message == fmt::format("cannot read {}: {}", path.string(), why));
        auto opened = util::open_for_reading(path.string());
        REQUIRE_FALSE(opened);
        CHECK(opened.error().message == read.error().message);
    }
    auto big = util::read_file((dir / "plain").string(), 3);
    REQUIRE_FALSE(big);
    CHECK(big.error().message == (dir / "plain").string() + " is 4 bytes, more than the 3 bytes callctl reads");
    CHECK(util::size_text(std::size_t{64} << 20) == "64 MiB");
}

TEST_CASE("fs: a pipe past the limit is cut off, never read whole") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t writer = ::fork();
    REQUIRE(writer >= 0);
    if (writer == 0) {
        ::close(fds[0]);
        const std::string chunk(4096, 'x');
        for (int i = 0; i < 64; ++i) {
            if (::write(fds[1], chunk.data(), chunk.size()) < 0) break;  // EPIPE once the reader stops
        }
        ::_exit(0);
    }
    ::close(fds[1]);
    auto read = util::read_file(fmt::format("/dev/fd/{}", fds[0]), 10000);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(writer, &status, 0);
    REQUIRE_FALSE(read);
    CHECK(read.error().message == fmt::format("/dev/fd/{} is more than the 10000 bytes callctl reads", fds[0]));
}

TEST_CASE("fs: writes go through symlinks to their target, and the lock file sits beside it") {
    testing::TempDir dir;
    std::filesystem::create_directory(dir / "real");
    write_text(dir / "real" / "config.json", "old");
    std::filesystem::create_symlink("real/config.json", dir / "hop");  // relative, as stow makes them
    std::filesystem::create_symlink(dir / "hop", dir / "config.json");  // a chain
    CHECK(util::resolve_symlinks(dir / "config.json") == dir / "real" / "config.json");
    CHECK(util::lock_path_for(dir / "config.json") == dir / "real" / ".config.json.lock");
    CHECK(util::resolve_symlinks(dir / "absent") == dir / "absent");

    REQUIRE(util::write_file_atomic(dir / "config.json", "new"));
    CHECK(std::filesystem::is_symlink(dir / "config.json"));
    CHECK(std::filesystem::is_symlink(dir / "hop"));
    CHECK(read_text(dir / "real" / "config.json") == "new");

    std::filesystem::create_symlink(dir / "loop-b", dir / "loop-a");
    std::filesystem::create_symlink(dir / "loop-a", dir / "loop-b");
    CHECK_FALSE(util::write_file_atomic(dir / "loop-a", "x"));  // ELOOP, not a hang
}

TEST_CASE("fs: stale temp files of one file are removed, nothing else") {
    testing::TempDir dir;
    for (const char* name : {".credentials.json.Ab3dE9", ".credentials.json.000000", ".credentials.json.keep",
                             ".credentials.json.lock", ".credentials.json.toolong", ".config.json.Ab3dE9", "credentials.json"}) {
        write_text(dir / name, "x");
    }
    std::filesystem::create_directory(dir / ".credentials.json.dirXYZ");
    CHECK(util::remove_stale_temp_files(dir / "credentials.json") == 2);
    std::vector<std::string> left;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) left.push_back(entry.path().filename().string());
    std::sort(left.begin(), left.end());
    CHECK(left == std::vector<std::string>{".config.json.Ab3dE9", ".credentials.json.dirXYZ", ".credentials.json.keep",
                                           ".credentials.json.lock", ".credentials.json.toolong", "credentials.json"});
}

TEST_CASE("config: 8 processes changing one config.json at once lose nothing") {
    testing::TempDir dir;
    const auto path = dir / "config.json";
    constexpr int kProcesses = 8;
    CHECK(testing::succeeded_in_processes(kProcesses, [&](int p) {
              for (int key = 0; key < 3; ++key) {
                  auto updated = config::ConfigFile::update(path, [&](config::ConfigFile& file) -> Result<bool> {
                      if (auto set = file.set(fmt::format("p{}", p), "retries", std::to_string(key)); !set) return set.error();
                      return true;
                  });
                  if (!updated) return false;
              }
              return true;
          }) == kProcesses);
    auto file = config::ConfigFile::load(path);
    REQUIRE(file);
    CHECK(file->profile_names().size() == kProcesses);
    for (int p = 0; p < kProcesses; ++p) CHECK(file->profile(fmt::format("p{}", p)).value("retries", -1) == 2);
}
