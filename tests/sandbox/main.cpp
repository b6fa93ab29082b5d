// callctl-sandbox: serves the sandbox on 127.0.0.1 (HTTP, and HTTPS when given
// a certificate), prints its URLs as one JSON line, and runs until SIGINT,
// SIGTERM or (with --exit-on-stdin-eof) the end of standard input.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <httplib.h>

#include "backends/backends.hpp"
#include "../support/listen_backlog.hpp"
#include "options.hpp"
#include "sandbox.hpp"

namespace {

using namespace callctl;
using namespace callctl::sandbox;

// Set once by whichever comes first: a signal, stdin's end, or a failed server.
class StopFlag {
public:
    void request() {
        {
            const std::lock_guard lock(mutex_);
            stop_ = true;
        }
        cv_.notify_all();
    }
    void wait() {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return stop_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stop_ = false;
};

void configure(httplib::Server& server, int threads) {
    // Clients reuse connections for whole batches (call-log --parallel).
    // Small answers on a reused connection otherwise wait for the client's
    // delayed ACK (Nagle): ~40 ms a request, which would swamp every benchmark.
    server.set_tcp_nodelay(true);
    server.set_keep_alive_max_count(1000);
    server.set_keep_alive_timeout(5);
    server.set_read_timeout(10);
    server.set_write_timeout(10);
    const auto workers = static_cast<std::size_t>(threads);
    server.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
}

int bind(httplib::Server& server, int port) {
    const int bound = port == 0 ? server.bind_to_any_port("127.0.0.1") : (server.bind_to_port("127.0.0.1", port) ? port : -1);
    if (bound > 0) test_support::widen_listen_backlog(bound);
    return bound;
}

int fail(const Error& error) {
    std::fprintf(stderr, "callctl-sandbox: error: %s\n", error.message.c_str());
    return to_int(error.code);
}

int run(const Options& opts, Backends& backends) {
    if (auto started = backends.start(); !started) return fail(started.error());

    FaultPlan faults;
    if (opts.faults) {
        auto plan = FaultPlan::from_json(*opts.faults);
        if (!plan) return fail(make_error(ExitCode::usage, "--faults: " + plan.error().message));
        faults = *plan;
    }
    if (opts.latency_ms > 0) faults.latency_ms = opts.latency_ms;

    Sandbox sandbox(std::move(faults));
    backends.install(sandbox.router());
    if (!opts.request_log.empty()) {
        if (auto opened = sandbox.log().open(opts.request_log); !opened) return fail(opened.error());
    }

    httplib::Server http;
    configure(http, opts.threads);
    const int http_port = bind(http, opts.port);
    if (http_port <= 0) return fail(make_error(ExitCode::network, fmt::format("cannot listen on 127.0.0.1:{}", opts.port)));
    const std::string http_url = fmt::format("http://127.0.0.1:{}", http_port);
    sandbox.install(http, http_url);

    std::unique_ptr<httplib::SSLServer> https;
    std::string https_url;
    if (opts.tls()) {
        https = std::make_unique<httplib::SSLServer>(opts.tls_cert.c_str(), opts.tls_key.c_str());
        if (!https->is_valid()) {
            return fail(make_error(ExitCode::bad_input, fmt::format("cannot use TLS certificate {} with key {}", opts.tls_cert, opts.tls_key)));
        }
        configure(*https, opts.threads);
        const int https_port = bind(*https, opts.tls_port);
        if (https_port <= 0) return fail(make_error(ExitCode::network, fmt::format("cannot listen on 127.0.0.1:{}", opts.tls_port)));
        https_url = fmt::format("https://127.0.0.1:{}", https_port);
        sandbox.install(*https, https_url);
    }

    static StopFlag stop;  // outlives run(): the detached watcher threads below refer to it
    std::thread http_listener([&] {
        if (!http.listen_after_bind()) stop.request();
    });
    std::thread https_listener;
    if (https) {
        https_listener = std::thread([&] {
            if (!https->listen_after_bind()) stop.request();
        });
    }

    // The one line harnesses wait for: the ports are bound, so clients may connect.
    nlohmann::json ready = {{"http", http_url}};
    if (https) ready["https"] = https_url;
    if (auto served = backends.serve(ServeContext{opts.tls_cert, opts.tls_key, sandbox.log()}, ready); !served) {
        return fail(served.error());
    }
    std::cout << ready.dump() << std::endl;

    // Signals were blocked in every thread (see main); this one takes them.
    std::thread([] {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        int received = 0;
        sigwait(&set, &received);
        stop.request();
    }).detach();
    if (opts.exit_on_stdin_eof) {
        // A harness that dies closes our stdin: never outlive it.
        std::thread([] {
            char buffer[256];
            while (::read(STDIN_FILENO, buffer, sizeof buffer) > 0) {
            }
            stop.request();
        }).detach();
    }

    stop.wait();
    http.stop();
    if (https) https->stop();
    // Joining the listeners would wait for httplib's worker pool, i.e. for idle
    // keep-alive connections (5 s) and slow readers (10 s): seen to outlast a
    // harness's patience on a loaded machine. Every log line is already flushed
    // as written, so there is nothing left to save: leave at once.
    std::fflush(nullptr);
    http_listener.detach();
    if (https_listener.joinable()) https_listener.detach();
    std::_Exit(0);
}

}  // namespace

int main(int argc, char** argv) {
    // Block SIGINT/SIGTERM before any thread starts so that only the sigwait
    // thread sees them; a write to a closed socket must not kill the server.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);

    Options opts;
    Shared shared;
    Backends backends(shared);
    CLI::App app{"", "callctl-sandbox"};
    add_options(app, opts, shared.token_settings);
    backends.add_options(app);
    if (const auto parsed = parse_options(app, opts, argc, argv); parsed.exit_code) return *parsed.exit_code;
    return run(opts, backends);
}
