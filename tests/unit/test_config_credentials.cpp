// The credential store: named slots per profile beside 0.1's token, one
// locked read-modify-write (update) that several processes can share, and a
// failed write (full disk, `ulimit -f`) that leaves the old file and no temp.
#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "callctl/config/credentials.hpp"
#include "callctl/util/fs.hpp"
#include "testutil.hpp"

using namespace callctl;
using config::CredentialSlot;
using config::CredentialStore;
using config::StoredToken;
using nlohmann::json;

namespace {

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_text(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

// What is in `dir` besides the lock file, which stays once made (util::FileLock).
std::vector<std::string> entries(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().filename() != ".credentials.json.lock") names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

StoredToken token(std::string access, std::int64_t expires = 2000000000) {
    StoredToken t;
    t.access_token = std::move(access);
    t.expires_at = expires;
    return t;
}

}  // namespace

TEST_CASE("credentials: a 0.1 file reads unchanged, and the token stays where 0.1 reads it") {
    testing::TempDir dir;
    const auto path = dir / "credentials.json";
    write_text(path, R"({"profiles":{"default":{"access_token":"a1","token_type":"bearer","refresh_token":"r1",)"
                     R"("scope":"VIRTUAL_NUMBER","expires_at":1700000000,"obtained_at":1699000000,"token_url":"http://t"}}})");
    auto store = CredentialStore::load(path);
    REQUIRE(store);
    auto got = store->get("default", CredentialSlot::token());
    REQUIRE(got);
    CHECK(got->access_token == "a1");
    CHECK(*got->refresh_token == "r1");
    CHECK(*got->expires_at == 1700000000);
    CHECK(store->get("default")->access_token == "a1");  // the shorthand
    CHECK_FALSE(store->get("default", CredentialSlot::intercom()));

    // Another slot goes beside it; the token keeps its place.
    store->put("default", CredentialSlot::intercom(), token("i1"));
    REQUIRE(store->save());
    const json written = json::parse(read_text(path));
    CHECK(written["profiles"]["default"]["access_token"] == "a1");
    CHECK(written["profiles"]["default"]["intercom"]["access_token"] == "i1");
    CHECK(written["profiles"]["default"]["intercom"]["expires_at"] == 2000000000);
}

TEST_CASE("credentials: slots are kept apart") {
    testing::TempDir dir;
    auto store = CredentialStore::load(dir / "credentials.json");
    REQUIRE(store);
    store->put("default", CredentialSlot::token(), token("t"));
    store->put("default", CredentialSlot::intercom(), token("i"));
    store->put("default", CredentialSlot::fcm_oauth("a@p.iam.gserviceaccount.com"), token("fa", 100));
    store->put("default", CredentialSlot::fcm_oauth("b@p.iam.gserviceaccount.com"), token("fb", 200));
    store->put("qa", CredentialSlot::fcm_oauth("a@p.iam.gserviceaccount.com"), token("qa-fa"));

    CHECK(store->get("default", CredentialSlot::token())->access_token == "t");
    CHECK(store->get("default", CredentialSlot::intercom())->access_token == "i");
    CHECK(store->get("default", CredentialSlot::fcm_oauth("a@p.iam.gserviceaccount.com"))->access_token == "fa");
    CHECK(*store->get("default", CredentialSlot::fcm_oauth("b@p.iam.gserviceaccount.com"))->expires_at == 200);
    CHECK_FALSE(store->get("default", CredentialSlot::fcm_oauth("c@p.iam.gserviceaccount.com")));
    CHECK_FALSE(store->get("qa", CredentialSlot::token()));
    CHECK(store->get("qa", CredentialSlot::fcm_oauth("a@p.iam.gserviceaccount.com"))->access_token == "qa-fa");

    const auto listed = store->list("default");
    std::vector<std::string> labels;
    for (const auto& [slot, stored] : listed) labels.push_back(slot.label() + "=" + stored.access_token);
    CHECK(labels == std::vector<std::string>{"token=t", "fcm_oauth[a@p.iam.gserviceaccount.com]=fa",
                                             "fcm_oauth[b@p.iam.gserviceaccount.com]=fb", "intercom=i"});

    // A new token replaces every field of the old one, and nothing else.
    StoredToken fresh = token("t2");
    fresh.scope = std::nullopt;
    store->put("default", CredentialSlot::token(), fresh);
    CHECK(store->get("default")->access_token == "t2");
    CHECK(store->get("default", CredentialSlot::intercom())->access_token == "i");

    CHECK(store->erase("default", CredentialSlot::token()));
    CHECK_FALSE(store->erase("default", CredentialSlot::token()));
    CHECK_FALSE(store->get("default"));
    CHECK(store->get("default", CredentialSlot::intercom()));
    CHECK(store->erase("default", CredentialSlot::fcm_oauth("a@p.iam.gserviceaccount.com")));
    CHECK(store->erase("default", CredentialSlot::fcm_oauth("b@p.iam.gserviceaccount.com")));
    CHECK(store->erase("default", CredentialSlot::intercom()));
    CHECK(store->list("default").empty());
    CHECK(store->erase_profile("qa"));
    CHECK_FALSE(store->erase_profile("qa"));
    REQUIRE(store->save());
    CHECK(json::parse(read_text(dir / "credentials.json")) == json{{"profiles", json::object()}});
}

TEST_CASE("credentials: update writes only a change, and never a malformed file") {
    testing::TempDir dir;
    const auto path = dir / "credentials.json";
    ::umask(022);
    // Nothing to change in a missing file: nothing is created.
    auto unchanged = CredentialStore::update(path, [](CredentialStore& store) -> Result<bool> {
        return store.erase("default", CredentialSlot::token());
    });
    REQUIRE(unchanged);
    CHECK(entries(dir.path()).empty());
    // An error from the change: nothing written, nothing created.
    auto refused = CredentialStore::update(path, [](CredentialStore&) -> Result<bool> {
        return make_error(ExitCode::auth, "no");
    });
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ExitCode::auth);
    CHECK(entries(dir.path()).empty());
    // A change: written, 0600.
    REQUIRE(CredentialStore::update(path, [](CredentialStore& store) -> Result<bool> {
        store.put("default", token("a"));
        return true;
    }));
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(entries(dir.path()) == std::vector<std::string>{"credentials.json"});
    // A malformed file is reported and left alone.
    write_text(path, "{not json");
    auto malformed = CredentialStore::update(path, [](CredentialStore& store) -> Result<bool> {
        store.put("default", token("b"));
        return true;
    });
    REQUIRE_FALSE(malformed);
    CHECK(malformed.error().code == ExitCode::bad_input);
    CHECK(read_text(path) == "{not json");
}

TEST_CASE("credentials: a lock held too long is an error, not a hang") {
    testing::TempDir dir;
    const auto path = dir / "credentials.json";
    auto held = util::FileLock::exclusive(path);
    REQUIRE(held);
    // flock locks belong to the open file, so a second open in this process waits like another process would.
    auto waiting = util::FileLock::exclusive(path, std::chrono::milliseconds(100));
    REQUIRE_FALSE(waiting);
    CHECK(waiting.error().code == ExitCode::bad_input);
    CHECK(waiting.error().message.find("stayed locked by another process") != std::string::npos);
    CHECK(entries(dir.path()).empty());  // the file itself is never created to be locked
    CHECK(std::filesystem::exists(dir / ".credentials.json.lock"));
}

TEST_CASE("credentials: 16 processes updating one store lose nothing") {
    testing::TempDir dir;
    const auto path = dir / "credentials.json";
    // As many commands at once, each saving a couple of credentials (a
    // process that looped on update() would hold the lock in turn after turn
    // and make the others wait out their bound: callctl commands do not).
    constexpr int kProcesses = 16;
    constexpr int kUpdates = 2;
    // Each adds its own credentials, one read-modify-write at a time: without
    // the lock, two at once would drop one of them.
    CHECK(testing::succeeded_in_processes(kProcesses, [&](int p) {
              for (int u = 0; u < kUpdates; ++u) {
                  auto updated = CredentialStore::update(path, [&](CredentialStore& store) -> Result<bool> {
                      store.put(fmt::format("p{}", p), CredentialSlot::fcm_oauth(fmt::format("sa{}@x", u)),
                                token(fmt::format("{}-{}", p, u)));
                      store.put("shared", CredentialSlot::token(), token(fmt::format("{}-{}", p, u)));
                      return true;
                  });
                  if (!updated) return false;
              }
              return true;
          }) == kProcesses);
    auto store = CredentialStore::load(path);
    REQUIRE(store);
    for (int p = 0; p < kProcesses; ++p) {
        for (int u = 0; u < kUpdates; ++u) {
            CAPTURE(p);
            CAPTURE(u);
            const auto got = store->get(fmt::format("p{}", p), CredentialSlot::fcm_oauth(fmt::format("sa{}@x", u)));
            REQUIRE(got);
            CHECK(got->access_token == fmt::format("{}-{}", p, u));
        }
    }
    CHECK(store->get("shared"));  // one of them, whole
    CHECK(entries(dir.path()) == std::vector<std::string>{"credentials.json"});
}

TEST_CASE("credentials: a write the disk refuses keeps the old file and leaves no temp file") {
    testing::TempDir dir;
    const auto path = dir / "credentials.json";
    REQUIRE(CredentialStore::update(path, [](CredentialStore& store) -> Result<bool> {
        store.put("default", token("old"));
        return true;
    }));
    const std::string before = read_text(path);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // `ulimit -f 8`: files past 4 KiB cannot be written. SIGXFSZ would
        // kill the process; ignored, the write fails with EFBIG instead.
        std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit limit {};
        ::getrlimit(RLIMIT_FSIZE, &limit);
        limit.rlim_cur = 4096;
        if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(10);
        auto updated = CredentialStore::update(path, [](CredentialStore& store) -> Result<bool> {
            store.put("default", token(std::string(64 * 1024, 'x')));
            return true;
        });
        if (updated) ::_exit(11);
        ::_exit(updated.error().code == ExitCode::output_failed ? 0 : 12);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(read_text(path) == before);
    CHECK(entries(dir.path()) == std::vector<std::string>{"credentials.json"});
}
