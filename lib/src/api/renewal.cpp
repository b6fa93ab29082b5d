#include "callctl/api/renewal.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include <fmt/format.h>

namespace callctl::api {

RenewOn401::RenewOn401(RenewableCredential& credential, std::function<void(std::string_view)> note)
    : credential_(credential), note_(std::move(note)) {}

bool RenewOn401::may_renew() const { return !tried_ && !credential_.user_given() && credential_.renewable(); }

void RenewOn401::note(std::string_view text) const {
    if (note_) note_(text);
}

Result<http::Response> RenewOn401::send(const Attempt& attempt) {
    auto value = credential_.current();
    if (!value) return value.error();
    auto answer = attempt(*value);
    if (!answer || answer->status != 401 || !may_renew()) return answer;

    tried_ = true;
    note(fmt::format("the server rejected {} (401); refreshing it and retrying once", credential_.describe()));
    auto renewed = credential_.renew();
    if (!renewed) return renewed.error();
    return attempt(*renewed);
}

Status RenewOn401::send_batch(const std::vector<std::size_t>& which, const BatchAttempt& attempt, const Done& on_done) {
    auto value = credential_.current();
    if (!value) return value.error();

    const bool renewable = may_renew();
    std::vector<std::pair<std::size_t, Result<http::Response>>> refused;
    attempt(*value, which, [&](std::size_t index, Result<http::Response> answer) {
        if (renewable && answer && answer->status == 401) {
            refused.emplace_back(index, std::move(answer));  // answered after the renewal
            return;
        }
        on_done(index, std::move(answer));
    });
    if (refused.empty()) return {};

    std::sort(refused.begin(), refused.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    tried_ = true;
    note(fmt::format("the server rejected {} (401) for {} request(s); refreshing it and retrying them once",
                     credential_.describe(), refused.size()));
    auto renewed = credential_.renew();
    if (!renewed) {
        for (const auto& entry : refused) on_done(entry.first, renewed.error());
        return {};
    }
    std::vector<std::size_t> again;
    again.reserve(refused.size());
    for (const auto& entry : refused) again.push_back(entry.first);
    refused.clear();
    attempt(*renewed, again, on_done);  // a second 401 goes straight to on_done: it stands
    return {};
}

}  // namespace callctl::api
