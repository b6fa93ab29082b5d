// Servers' answers to the credential commands: the body and status of an
// intercom OAuth login/renewal (Doorkeeper tokens and errors) and of Kaleyra's
// SDK credentials, through the error mapping (api/errors.hpp), the intercom
// token reader and what is stored of it, and Kaleyra's expires_at and JWT.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "callctl/api/errors.hpp"
#include "callctl/api/intercom_login.hpp"
#include "callctl/config/credentials.hpp"
#include "callctl/crypto/jwt.hpp"
#include "callctl/util/time.hpp"
#include "fuzz_util.hpp"

using namespace callctl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    static constexpr long statuses[] = {200, 201, 400, 401, 403, 404, 429, 500, 503, 302};
    http::Response response;
    response.status = statuses[data[0] % 10];
    response.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (data[0] & 0x10) response.headers.push_back({"Content-Type", "application/json"});
    if (data[0] & 0x20) response.headers.push_back({"WWW-Authenticate", "Bearer realm=\"Doorkeeper\", error=\"invalid_grant\""});

    (void)api::server_message(response);
    if (!api::is_success(response.status)) {
        const Error error = api::status_error(response, "intercom login");
        FUZZ_CHECK(error.code != ExitCode::ok);
        FUZZ_CHECK(error.message.find('\n') == std::string::npos);
        return 0;
    }
    auto body = api::json_body(response, "intercom login");
    if (!body) {
        FUZZ_CHECK(body.error().code != ExitCode::ok);
        return 0;
    }
    constexpr std::int64_t now = 1700000000;
    auto token = api::intercom_token_from_answer(*body, now, "https://auth.example", "client", "resident");
    if (token) {
        FUZZ_CHECK(!token->access_token.empty());
        FUZZ_CHECK(token->obtained_at && *token->obtained_at == now);
        (void)api::intercom_needs_renewal(*token, now);
        // What is stored reads back as it was.
        auto again = config::stored_token_from_json(config::to_json(*token));
        FUZZ_CHECK(again && again->access_token == token->access_token && again->expires_at == token->expires_at &&
                   again->refresh_token == token->refresh_token);
    }
    // Kaleyra: {"access_token":JWT,"expires_at":ISO-8601,"user_id"}.
    if (body->is_object()) {
        if (auto at = body->find("access_token"); at != body->end() && at->is_string()) {
            (void)crypto::decode_jwt(at->get<std::string>());
        }
        if (auto at = body->find("expires_at"); at != body->end() && at->is_string()) {
            if (auto parsed = util::parse_iso8601(at->get<std::string>())) (void)util::format_iso8601(parsed->unix_seconds);
        }
    }
    return 0;
}
