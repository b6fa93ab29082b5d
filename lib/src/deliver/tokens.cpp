#include "callctl/deliver/tokens.hpp"

#include <chrono>

#include <fmt/format.h>

namespace callctl::deliver {

std::int64_t system_unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Result<AccessToken> exchange_service_account(const ServiceAccount& account, http::Client& client, std::int64_t now_unix) {
    auto assertion = oauth_assertion(account, now_unix);
    if (!assertion) return std::move(assertion).error();
    const http::Request request = oauth_token_request(account, *assertion);
    http::Outcome outcome = client.send(request);
    if (!outcome) {
        return http::to_error(outcome.error(), fmt::format("the OAuth token exchange at {}", account.token_uri));
    }
    return parse_oauth_answer(*outcome, now_unix, account.token_uri);
}

}  // namespace callctl::deliver
