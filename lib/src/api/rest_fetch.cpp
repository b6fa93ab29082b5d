// CallLogFetcher: many getCallLogById requests through Client::send_all, a
// window at a time, one bearer token for all, one refresh on a 401 (the
// session's RenewOn401: ids answered 401 are fetched again after it).
#include <algorithm>
#include <numeric>
#include <utility>

#include <fmt/format.h>

#include "callctl/api/rest.hpp"
#include "callctl/util/interrupt.hpp"

namespace callctl::api {

namespace {

std::string what_for(const std::string& call_id) { return fmt::format("call {}", call_id); }

}  // namespace

CallLogFetcher::CallLogFetcher(Session& session, std::string rest_url, int parallel)
    : session_(session), rest_url_(std::move(rest_url)), parallel_(std::max(parallel, 1)) {}

std::size_t CallLogFetcher::window_size(int parallel) {
    // Large enough that the pause at a window's tail (the last few transfers
    // running alone) is a small share of it; small enough that its requests,
    // each carrying a ~1 kB token, stay a few hundred kB.
    return std::clamp<std::size_t>(static_cast<std::size_t>(std::max(parallel, 1)) * 32, 64, 1024);
}

http::Request CallLogFetcher::request_for(const std::string& call_id, const std::string& token) const {
    http::Request request;
    request.method = http::Method::get;
    request.url = call_log_url(rest_url_, call_id);
    request.headers.push_back({"Accept", "application/json"});
    request.headers.push_back({"Authorization", "Bearer " + token});
    request.secrets.push_back({token, "CALLCTL_TOKEN"});
    request.replay = http::Replay::idempotent;
    return request;
}

void CallLogFetcher::fetch_pass(const std::vector<std::string>& ids, const std::string& token,
                                const std::vector<std::size_t>& which, const RenewOn401::Done& done) {
    const std::size_t window = window_size(parallel_);
    std::vector<http::Request> requests;
    for (std::size_t start = 0; start < which.size(); start += window) {
        const std::size_t end = std::min(which.size(), start + window);
        if (util::interrupted()) {
            for (std::size_t k = start; k < which.size(); ++k) done(which[k], stopped_error(what_for(ids[which[k]])));
            return;
        }
        requests.clear();
        for (std::size_t k = start; k < end; ++k) requests.push_back(request_for(ids[which[k]], token));
        session_.client().send_all(requests, parallel_, [&](std::size_t local, http::Outcome outcome) {
            const std::size_t index = which[start + local];
            done(index, answer_of(std::move(outcome), what_for(ids[index])));
        });
    }
}

Status CallLogFetcher::fetch(const std::vector<std::string>& ids, const std::vector<std::size_t>& which,
                             const OnDone& on_done) {
    return session_.bearer_renewal().send_batch(
        which,
        [&](const std::string& token, const std::vector<std::size_t>& subset, const RenewOn401::Done& done) {
            fetch_pass(ids, token, subset, done);
        },
        [&](std::size_t index, Result<http::Response> answer) {
            const std::string what = what_for(ids[index]);
            if (!answer) {
                on_done(index, std::move(answer).error());
            } else if (!is_success(answer->status)) {
                on_done(index, status_error(*answer, what));
            } else {
                on_done(index, parse_call_log(*answer, what));
            }
        });
}

Status CallLogFetcher::fetch_all(const std::vector<std::string>& ids, const OnDone& on_done) {
    std::vector<std::size_t> which(ids.size());
    std::iota(which.begin(), which.end(), std::size_t{0});
    return fetch(ids, which, on_done);
}

}  // namespace callctl::api
