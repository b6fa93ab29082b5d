// A shim: everything lives in app.cpp and the library, so tests can link it.
// The one thing done here first: the standard descriptors.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

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

}  // namespace

int main(int argc, char** argv) {
    open_closed_standard_fds();
    return callctl::cli::run(argc, argv);
}
