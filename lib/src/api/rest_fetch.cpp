// CallLogFetcher: many getCallLogById requests through Client::send_all, a
// window at a time, one bearer token for all, one refresh on a 401.
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

http::Request CallLogFetcher::request_for(const std::string& call_id) const {
    http::Request request;
    request.method = http::Method::get;
    request.url = call_log_url(rest_url_, call_id);
    request.headers.push_back({"Accept", "application/json"});
    request.headers.push_back({"Authorization", "Bearer " + token_->value});
    request.secrets.push_back({token_->value, "CALLCTL_TOKEN"});
    request.replay = http::Replay::idempotent;
    return request;
}

void CallLogFetcher::fetch_pass(const std::vector<std::string>& ids, const std::vector<std::size_t>& which,
                                const OnDone& on_done, std::vector<Rejected>* rejected) {
    const std::size_t window = window_size(parallel_);
    std::vector<http::Request> requests;
    for (std::size_t start = 0; start < which.size(); start += window) {
        const std::size_t end = std::min(which.size(), start + window);
        if (util::interrupted()) {
            for (std::size_t k = start; k < which.size(); ++k) {
                on_done(which[k], make_error(ExitCode::interrupted, fmt::format("interrupted: {}", what_for(ids[which[k]]))));
            }
            return;
        }
        requests.clear();
        for (std::size_t k = start; k < end; ++k) requests.push_back(request_for(ids[which[k]]));
        session_.client().send_all(requests, parallel_, [&](std::size_t local, http::Outcome outcome) {
            const std::size_t index = which[start + local];
            const std::string what = what_for(ids[index]);
            if (!outcome) {
                on_done(index, http::to_error(outcome.error(), what));
                return;
            }
            const http::Response& response = *outcome;
            if (response.status == 401 && rejected != nullptr) {
                rejected->push_back({index, status_error(response, what)});  // answered after the refresh
                return;
            }
            if (response.status < 200 || response.status >= 300) {
                on_done(index, status_error(response, what));
                return;
            }
            on_done(index, parse_call_log(response, what));
        });
    }
}

Status CallLogFetcher::fetch(const std::vector<std::string>& ids, const std::vector<std::size_t>& which,
                             const OnDone& on_done) {
    if (!token_) {
        auto token = session_.bearer_token();
        if (!token) return token.error();
        token_ = std::move(*token);
    }
    // Explicit tokens are the user's to manage; only a stored one is refreshed.
    const bool may_refresh = token_->source == config::Source::store && !refreshed_ && !session_.settings().dry_run;
    std::vector<Rejected> rejected;
    fetch_pass(ids, which, on_done, may_refresh ? &rejected : nullptr);
    if (rejected.empty()) return {};

    std::sort(rejected.begin(), rejected.end(), [](const Rejected& a, const Rejected& b) { return a.first < b.first; });
    refreshed_ = true;
    auto stored = session_.stored_token();
    const bool refreshable = stored && *stored && (*stored)->refresh_token;
    if (refreshable) {
        session_.note(fmt::format("the server rejected the stored token (401) for {} call(s); refreshing it and retrying",
                                  rejected.size()));
        auto refreshed = session_.refresh_stored_token();
        if (refreshed) {
            token_->value = refreshed->access_token;
            std::vector<std::size_t> again;
            for (const auto& entry : rejected) again.push_back(entry.first);
            fetch_pass(ids, again, on_done, nullptr);
            return {};
        }
        for (const auto& entry : rejected) on_done(entry.first, refreshed.error());
        return {};
    }
    // Nothing to refresh with: the 401 stands.
    for (auto& entry : rejected) on_done(entry.first, std::move(entry.second));
    return {};
}

Status CallLogFetcher::fetch_all(const std::vector<std::string>& ids, const OnDone& on_done) {
    std::vector<std::size_t> which(ids.size());
    std::iota(which.begin(), which.end(), std::size_t{0});
    return fetch(ids, which, on_done);
}

}  // namespace callctl::api
