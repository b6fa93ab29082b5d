// Debian's cpp-httplib is a shared library built with a listen backlog of 5
// (CPPHTTPLIB_LISTEN_BACKLOG is compiled into libcpp-httplib.so, so defining
// it here changes nothing). A client opening 8 connections at once
// (send-push, call-log --parallel) overflowed that queue: the kernel dropped
// the SYNs it had no room for and the client resent them after TCP's 1 s
// initial timeout, so a 0.1 s run took 1.1 s now and then. Linux lets a
// listening socket be given a new backlog by calling listen() again; httplib
// does not expose its socket, so find it by its port.
#pragma once

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>

namespace callctl::test_support {

// The backlog `callctl listen` uses.
inline constexpr int kListenBacklog = 511;

// Gives every listening TCP socket of this process on `port` the backlog
// above. Returns how many it changed (0: none found, nothing done).
inline int widen_listen_backlog(int port) {
    int changed = 0;
    DIR* fds = ::opendir("/proc/self/fd");
    if (fds == nullptr) return 0;
    while (const dirent* entry = ::readdir(fds)) {
        char* end = nullptr;
        const long fd = std::strtol(entry->d_name, &end, 10);
        if (end == entry->d_name || *end != '\0' || fd == ::dirfd(fds)) continue;
        int listening = 0;
        socklen_t size = sizeof listening;
        if (::getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 || !listening) continue;
        sockaddr_storage address{};
        socklen_t address_size = sizeof address;
        if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&address), &address_size) != 0) continue;
        int bound = -1;
        if (address.ss_family == AF_INET) bound = ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
        if (address.ss_family == AF_INET6) bound = ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
        if (bound == port && ::listen(static_cast<int>(fd), kListenBacklog) == 0) ++changed;
    }
    ::closedir(fds);
    return changed;
}

}  // namespace callctl::test_support
