#include <doctest/doctest.h>

#include <signal.h>

#include <string>

#include "callctl/flow/process.hpp"

using namespace callctl::flow;
using namespace std::chrono_literals;

namespace {

ProcessSpec shell(const std::string& script) {
    ProcessSpec spec;
    spec.program = "/bin/sh";
    spec.argv = {"sh", "-c", script};
    spec.environment = {"PATH=/usr/bin:/bin", "GREETING=hello"};
    spec.timeout = 20s;
    return spec;
}

ProcessResult run(const ProcessSpec& spec, const StopCheck& stop = {}) {
    auto result = run_process(spec, stop);
    REQUIRE_MESSAGE(result.has_value(), result.error().message);
    return std::move(*result);
}

}  // namespace

TEST_CASE("process: exit code, stdout, stderr and the environment given") {
    const auto result = run(shell("echo \"$GREETING\"; echo oops >&2; exit 7"));
    CHECK(result.exit_code == 7);
    CHECK(result.out == "hello\n");
    CHECK(result.err == "oops\n");
    CHECK_FALSE(result.timed_out);
    CHECK(result.forwarded_signal == 0);
}

TEST_CASE("process: megabytes on both pipes at once do not deadlock") {
    // Each stream far beyond a pipe's 64 KiB buffer, written alternately.
    const auto result = run(shell("i=0; while [ $i -lt 40 ]; do head -c 100000 /dev/zero | tr '\\0' o; head -c 100000 /dev/zero | tr '\\0' e >&2; i=$((i+1)); done"));
    CHECK(result.exit_code == 0);
    CHECK(result.out.size() == 4000000);
    CHECK(result.err.size() == 4000000);
}

TEST_CASE("process: output past the bound is read and dropped") {
    auto spec = shell("head -c 300000 /dev/zero");
    spec.max_output = 1000;
    const auto result = run(spec);
    CHECK(result.exit_code == 0);
    CHECK(result.out.size() == 1000);
    CHECK(result.out_truncated);
    CHECK_FALSE(result.err_truncated);
}

TEST_CASE("process: stdin is fed (more than a pipe holds), or /dev/null") {
    auto spec = shell("wc -c");
    spec.stdin_text = std::string(1000000, 'x');
    CHECK(run(spec).out.find("1000000") != std::string::npos);
    CHECK(run(shell("wc -c")).out.find('0') != std::string::npos);
    // A child that never reads its stdin does not block us.
    auto ignoring = shell("exit 0");
    ignoring.stdin_text = std::string(1000000, 'x');
    CHECK(run(ignoring).exit_code == 0);
}

TEST_CASE("process: a timeout sends SIGTERM, then SIGKILL after the grace") {
    auto polite = shell("sleep 30");
    polite.timeout = 200ms;
    const auto terminated = run(polite);
    CHECK(terminated.timed_out);
    CHECK(terminated.exit_code == 128 + SIGTERM);
    CHECK(terminated.elapsed < 10s);

    auto stubborn = shell("trap '' TERM; while :; do sleep 0.05; done");
    stubborn.timeout = 200ms;
    stubborn.kill_grace = 300ms;
    const auto killed = run(stubborn);
    CHECK(killed.timed_out);
    CHECK(killed.exit_code == 128 + SIGKILL);
    CHECK(killed.elapsed >= 500ms);
    CHECK(killed.elapsed < 10s);
}

TEST_CASE("process: a stop request is passed on to the child's process group") {
    int polls = 0;
    const auto result = run(shell("sleep 30 & wait"), [&] { return ++polls > 3 ? SIGINT : 0; });
    CHECK(result.forwarded_signal == SIGINT);
    CHECK_FALSE(result.timed_out);
    CHECK(result.exit_code == 128 + SIGINT);
    CHECK(result.elapsed < 10s);
}

TEST_CASE("process: a program that does not exist is an error") {
    ProcessSpec spec;
    spec.program = "/nonexistent/callctl";
    spec.argv = {"callctl"};
    auto result = run_process(spec, {});
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().message == "cannot run /nonexistent/callctl: No such file or directory");
}

TEST_CASE("process: with SIGCHLD ignored the child is reaped by the kernel, and we do not wait forever") {
    struct sigaction ignore {}, old {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGCHLD, &ignore, &old);
    const auto result = run(shell("echo out"));
    sigaction(SIGCHLD, &old, nullptr);
    CHECK(result.exit_code == -1);  // the status is gone with the zombie
    CHECK(result.out == "out\n");
    CHECK(result.elapsed < 10s);
}
