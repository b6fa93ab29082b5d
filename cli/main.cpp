// A shim: everything lives in app.cpp and the library, so tests can link it.
// The one thing done here first: the standard descriptors.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "app.hpp"

namespace {

// A standard descriptor closed at start (`callctl ... >&-`) would be the
// first one open(2) or socketpair(2) hands out: libcurl's wake-up socketpair
// would become fd 1, and the results would be written into a socket. Each
// closed one is opened onto /dev/null instead, before anything else opens a
// file (callctl(1), EXIT STATUS: output that cannot be written).
void open_closed_standard_fds() {
    for (int fd = 0; fd <= 2; ++fd) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
        // The lowest free descriptor is this one: every lower one is open.
        const int opened = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (opened != fd && opened >= 0) close(opened);  // cannot happen; never leak it
        if (opened != fd) _exit(12);                     // no /dev/null: nothing sane to write to
    }
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool leak_check_at_exit = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
constexpr bool leak_check_at_exit = true;
#else
constexpr bool leak_check_at_exit = false;
#endif
#else
constexpr bool leak_check_at_exit = false;
#endif

// By the time run() returns, everything callctl owns is destroyed and its
// output flushed and checked (the Printer: exit 12 when it cannot be
// written). What exit(3) would still do is the libraries' teardown, OpenSSL's
// above all (OPENSSL_cleanup: 0.5 M of the 16.5 M instructions of one
// `call-log ID`, as much as curl's whole request), for memory the kernel is
// about to take back. So flush what stdio may still hold and leave; a flush
// that fails then is still exit 12. Sanitizer builds take the long way: their
// leak check runs at exit.
[[noreturn]] void leave(int code) {
    std::cout.flush();
    std::cerr.flush();
    if (std::fflush(nullptr) != 0 && code == 0) code = 12;
    if constexpr (leak_check_at_exit) std::exit(code);
    _exit(code);
}

}  // namespace

int main(int argc, char** argv) {
    open_closed_standard_fds();
    leave(callctl::cli::run(argc, argv));
}
