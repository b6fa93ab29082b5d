// callctl-null-server: the do-nothing baseline for the listen benchmark
// (scripts/bench): cpp-httplib answering every POST 200 with a small JSON
// body and nothing else, configured as the sandbox is (TCP_NODELAY, long
// keep-alive). Prints its port as one line, then serves until SIGTERM/SIGINT
// or the end of standard input.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <httplib.h>

#include "../support/listen_backlog.hpp"

int main(int argc, char** argv) {
    const std::size_t threads = argc > 1 ? static_cast<std::size_t>(std::strtoul(argv[1], nullptr, 10)) : 16;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);

    httplib::Server server;
    server.set_tcp_nodelay(true);
    server.set_keep_alive_max_count(1000);
    server.set_keep_alive_timeout(5);
    server.set_read_timeout(10);
    server.set_write_timeout(10);
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server.Post(".*", [](const httplib::Request&, httplib::Response& response) {
        response.set_content(R"({"ok":true})", "application/json");
    });
    const int port = server.bind_to_any_port("127.0.0.1");
    if (port <= 0) {
        std::fprintf(stderr, "callctl-null-server: cannot listen on 127.0.0.1\n");
        return 4;
    }
    callctl::test_support::widen_listen_backlog(port);  // as the sandbox and `callctl listen` (511)
    std::thread listener([&] { server.listen_after_bind(); });
    std::printf("%d\n", port);
    std::fflush(stdout);

    std::thread([&set] {
        int received = 0;
        sigwait(&set, &received);
        std::_Exit(0);
    }).detach();
    char buffer[256];
    while (::read(STDIN_FILENO, buffer, sizeof buffer) > 0) {
    }
    std::_Exit(0);
}
