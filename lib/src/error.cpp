#include "callctl/error.hpp"

#include <fmt/format.h>

#include "callctl/util/interrupt.hpp"

namespace callctl {

namespace {
// Higher is worse. A stop (a signal, or stdout gone) beats everything: the
// run ended there, whatever the items still in flight reported. Output that
// could not be written beats any other failure: the results are lost. A bug
// beats any expected failure; otherwise failures further from the user's
// control rank higher.
int severity(ExitCode code) {
    switch (code) {
    case ExitCode::ok: return 0;
    case ExitCode::wait_timeout: return 1;
    case ExitCode::expectation_failed: return 2;
    case ExitCode::http_client: return 3;
    case ExitCode::graphql: return 4;
    case ExitCode::push_crypto: return 5;
    case ExitCode::bad_input: return 6;
    case ExitCode::usage: return 7;
    case ExitCode::auth: return 8;
    case ExitCode::http_server: return 9;
    case ExitCode::network: return 10;
    case ExitCode::internal: return 11;
    case ExitCode::output_failed: return 12;
    case ExitCode::broken_pipe: return 13;
    case ExitCode::interrupted: return 14;
    case ExitCode::terminated: return 15;
    }
    return 11;
}
}  // namespace

ExitCode worst_of(ExitCode a, ExitCode b) { return severity(b) > severity(a) ? b : a; }

Error stopped_error(std::string_view what) {
    switch (util::stop_reason()) {
    case util::StopReason::sigterm: return make_error(ExitCode::terminated, fmt::format("terminated: {}", what));
    case util::StopReason::output_closed:
        return make_error(ExitCode::broken_pipe, fmt::format("standard output closed: {}", what));
    case util::StopReason::output_failed:
        return make_error(ExitCode::output_failed, fmt::format("standard output failed: {}", what));
    case util::StopReason::none:
    case util::StopReason::sigint: break;
    }
    return make_error(ExitCode::interrupted, fmt::format("interrupted: {}", what));
}

}  // namespace callctl
