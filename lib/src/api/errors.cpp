#include "callctl/api/errors.hpp"

#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "callctl/util/json.hpp"
#include "callctl/util/strings.hpp"

namespace callctl::api {

using nlohmann::json;
using std::chrono::milliseconds;

namespace {

// "http://user:pw@127.0.0.1:9/x" -> {"127.0.0.1:9", "http://127.0.0.1:9"};
// "https://[::1]/x" -> {"[::1]:443", "https://[::1]"}. What curl cannot
// parse is shown as it is.
struct ServerAddress {
    std::string host_port;
    std::string origin;
};
ServerAddress server_address_of(std::string_view url) {
    const auto parts = http::parse_url(url);
    if (!parts || parts->host.empty()) return {std::string(url), std::string(url)};
    std::string host_port = parts->host;
    if (!parts->effective_port.empty()) host_port += ":" + parts->effective_port;
    std::string origin = parts->scheme + "://" + parts->host;
    if (!parts->port.empty()) origin += ":" + parts->port;
    return {std::move(host_port), std::move(origin)};
}

// The URL inside an action's description ("GET https://h/x" -> "https://h/x"),
// for a TransportError that carries none.
std::string url_in(std::string_view what) {
    for (const auto& word : util::split(what, ' ')) {
        if (word.find("://") != std::string::npos && http::parse_url(word)) return word;
    }
    return std::string(what);
}

std::string format_duration(milliseconds elapsed) {
    if (elapsed >= milliseconds{1000}) return fmt::format("{} s", (elapsed.count() + 500) / 1000);
    return fmt::format("{} ms", elapsed.count());
}

std::string first_line(std::string_view text, std::size_t limit = 200) {
    text = util::trim(text);
    const auto newline = text.find('\n');
    std::string line(util::trim(text.substr(0, newline)));
    if (line.size() > limit) {
        line.resize(limit);  // not substr() + "...": GCC 12 -Warray-bounds misfires on that once inlined
        line += "...";
    }
    return line;
}

// What a server said, as a message may show it. It may echo what we sent
// (our token, a password): redacted against every secret of the run first,
// then cut, so that the cut cannot leave the start of a secret.
std::string said_line(std::string_view text) { return first_line(http::redact(text, {})); }

}  // namespace

Error to_error(const http::TransportError& e, std::string_view what) {
    using http::TransportFailure;
    const std::string url = e.url.empty() ? url_in(what) : e.url;
    const ServerAddress endpoint = server_address_of(url);
    const std::string tries = e.attempts > 1 ? fmt::format(" ({} attempts)", e.attempts) : std::string();
    const std::string detail = e.message.empty() ? std::string() : ": " + e.message;
    switch (e.kind) {
    case TransportFailure::refused:
        return make_error(ExitCode::network,
                          fmt::format("cannot connect to {} (connection refused){}", endpoint.host_port, tries),
                          "is the server running, and is the URL right?");
    case TransportFailure::resolve:
        return make_error(ExitCode::network, fmt::format("cannot resolve the host of {}{}", url, detail),
                          "check the host name in the URL, and your DNS or proxy settings");
    case TransportFailure::timeout:
        return make_error(ExitCode::network, fmt::format("timed out after {}{}: {}", format_duration(e.elapsed), tries, what),
                          "raise the limit with --timeout SEC or --connect-timeout SEC");
    case TransportFailure::tls:
        return make_error(ExitCode::network, fmt::format("TLS failure talking to {}{}", endpoint.origin, detail),
                          "use --cacert FILE to trust a private CA, or -k to skip verification");
    case TransportFailure::send:
        return make_error(ExitCode::network, fmt::format("connection failed while sending {}{}{}", what, tries, detail));
    case TransportFailure::receive:
        return make_error(ExitCode::network,
                          fmt::format("connection dropped before a complete response to {}{}{}", what, tries, detail));
    case TransportFailure::bad_url:
        return make_error(ExitCode::usage, fmt::format("invalid URL for {}{}", what, detail),
                          "URLs look like http://host:port/path or https://host/path");
    case TransportFailure::too_large:
        // A server's fault like an unparsable body (EXIT STATUS in callctl(1)).
        return make_error(ExitCode::http_server, fmt::format("{}: the reply is too large{}", what, detail),
                          e.message.find("--max-reply-mib") != std::string::npos
                              ? "if the reply is genuine, raise the limit with --max-reply-mib N"
                              : "");
    case TransportFailure::interrupted:
        return stopped_error(what);
    case TransportFailure::dry_run:
        return dry_run_stop(std::string(what));
    case TransportFailure::other:
        break;
    }
    return make_error(ExitCode::network, fmt::format("{} failed{}{}", what, tries, detail));
}

bool is_success(long status) { return status >= 200 && status < 300; }

std::string server_message(const http::Response& response) {
    const auto parsed = util::parse_json(response.body);
    const json body = parsed ? *parsed : json(json::value_t::discarded);
    if (body.is_object()) {
        for (const char* key : {"error_description", "message", "error_message", "detail"}) {
            if (body.contains(key) && body[key].is_string() && !body[key].get<std::string>().empty()) {
                return said_line(body[key].get<std::string>());
            }
        }
        if (body.contains("errors") && body["errors"].is_array() && !body["errors"].empty()) {
            const json& first = body["errors"][0];
            if (first.is_object() && first.contains("message") && first["message"].is_string()) {
                return said_line(first["message"].get<std::string>());
            }
        }
        if (body.contains("error") && body["error"].is_string()) return said_line(body["error"].get<std::string>());
    }
    if (!parsed && parsed.error().problem == util::JsonProblem::syntax && !response.body.empty() &&
        response.body.size() < 4096 && response.body.find('<') == std::string::npos) {
        return said_line(response.body);
    }
    return {};
}

Error status_error(const http::Response& response, std::string_view what) {
    const long status = response.status;
    const std::string said = server_message(response);  // redacted
    std::string message = fmt::format("{}: HTTP {}", what, status);
    if (!said.empty()) message += ": " + said;

    if (status == 401 || status == 403) {
        return make_error(ExitCode::auth, std::move(message),
                          status == 401 ? "the token was rejected: create a new one with `callctl token create --save`, "
                                          "or pass --token/--token-file"
                                        : "");
    }
    if (status >= 500) {
        const std::string tries = response.attempts > 1 ? fmt::format(" (after {} attempts)", response.attempts) : "";
        return make_error(ExitCode::http_server, message + tries);
    }
    if (status >= 300 && status < 400) {
        const auto location = response.header("Location");
        return make_error(ExitCode::http_client, std::move(message),
                          location ? fmt::format("the server redirects to {}; callctl does not follow redirects with "
                                                 "credentials: point the URL there if you trust it",
                                                 http::redact_url(*location, {}))
                                   : "");
    }
    return make_error(ExitCode::http_client, std::move(message));
}

Result<json> json_body(const http::Response& response, std::string_view what) {
    if (response.body.empty()) return json::object();
    auto body = util::parse_json(response.body);
    if (!body) {
        const bool deep = body.error().problem == util::JsonProblem::too_deep;
        return make_error(ExitCode::http_server,
                          fmt::format("{}: the server answered HTTP {} with a body {} ({} bytes)", what, response.status,
                                      deep ? util::too_deep_text() : "that is not valid JSON", response.body.size()));
    }
    return std::move(*body);
}

Result<http::Response> answer_of(http::Outcome outcome, std::string_view what) {
    if (!outcome) return to_error(outcome.error(), what);
    return std::move(*outcome);
}

Result<http::Response> success_of(http::Outcome outcome, std::string_view what) {
    auto answer = answer_of(std::move(outcome), what);
    if (answer && !is_success(answer->status)) return status_error(*answer, what);
    return answer;
}

}  // namespace callctl::api
