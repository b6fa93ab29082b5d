#include "callctl/error.hpp"

namespace callctl {

namespace {
// Higher is worse. Interrupted beats everything; a bug beats any expected
// failure; otherwise failures further from the user's control rank higher.
int severity(ExitCode code) {
    switch (code) {
    case ExitCode::ok: return 0;
    case ExitCode::wait_timeout: return 1;
    case ExitCode::http_client: return 2;
    case ExitCode::graphql: return 3;
    case ExitCode::push_crypto: return 4;
    case ExitCode::bad_input: return 5;
    case ExitCode::usage: return 6;
    case ExitCode::auth: return 7;
    case ExitCode::http_server: return 8;
    case ExitCode::network: return 9;
    case ExitCode::internal: return 10;
    case ExitCode::output_failed: return 11;
    case ExitCode::broken_pipe: return 12;
    case ExitCode::interrupted: return 13;
    case ExitCode::terminated: return 14;
    }
    return 10;
}
}  // namespace

ExitCode worst_of(ExitCode a, ExitCode b) { return severity(b) > severity(a) ? b : a; }

}  // namespace callctl
