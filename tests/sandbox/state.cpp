#include "state.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>

#include <fmt/format.h>

#include "callctl/api/graphql_document.hpp"
#include "callctl/crypto/crypto.hpp"
#include "callctl/crypto/jwt.hpp"
#include "callctl/util/time.hpp"

namespace callctl::sandbox {

using nlohmann::json;
using Clock = std::chrono::system_clock;

namespace {

// ---------------------------------------------------------------- helpers

long long unix_now() { return util::unix_now(); }

std::string iso8601(Clock::time_point when) {
    return util::format_iso8601_ms(std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count());
}

// ISO-8601 as clients send it, as Unix seconds (not a system_clock time_point:
// its nanoseconds end in 2262).
std::optional<long long> parse_iso8601(std::string_view text) {
    const auto parsed = util::parse_iso8601(text);
    if (!parsed) return std::nullopt;
    return parsed->unix_seconds;
}

std::string random_hex(std::size_t bytes) { return crypto::hex_encode(crypto::random_bytes(bytes)); }

std::string uuid_v4() {
    std::string b = crypto::random_bytes(16);
    b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0F) | 0x40);
    b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3F) | 0x80);
    const std::string h = crypto::hex_encode(b);
    return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4), h.substr(16, 4), h.substr(20));
}

Reply token_error(int status, std::string_view error, std::string description) {
    return Reply{status, json{{"error", error}, {"error_description", std::move(description)}}, {}};
}

Reply rest_error(int status, std::string_view error, std::string message) {
    return Reply{status, json{{"error", error}, {"message", std::move(message)}}, {}};
}

bool is_nonempty_string(const json& body, const char* key) {
    return body.contains(key) && body.at(key).is_string() && !body.at(key).get<std::string>().empty();
}

const std::vector<std::string> virtual_numbers = {"+12125550100", "+12125550101", "+12125550102"};
constexpr const char* ewebrtc_domain = "sandbox.ewebrtc.example";

json graphql_error(std::string message, std::optional<std::string> path = std::nullopt) {
    json e = {{"message", std::move(message)}};
    if (path) e["path"] = json::array({*path});
    return e;
}

Reply graphql_failure(json errors) { return Reply{200, json{{"data", nullptr}, {"errors", std::move(errors)}}, {}}; }

// The fields selected under a root field, with inline fragments and spreads
// flattened (the sandbox's result types have no interfaces to tell apart).
void flatten_fields(const std::vector<api::GraphqlSelection>& selections, const api::GraphqlDocument& doc,
                    std::vector<const api::GraphqlField*>& out, int depth = 0) {
    if (depth > 16) return;  // fragment cycles are rejected by the parser; this is belt and braces
    for (const auto& sel : selections) {
        if (sel.kind == api::GraphqlSelection::Kind::field) {
            out.push_back(&sel.field);
        } else if (sel.kind == api::GraphqlSelection::Kind::inline_fragment) {
            flatten_fields(sel.selections, doc, out, depth + 1);
        } else {
            for (const auto& fragment : doc.fragments) {
                if (fragment.name == sel.fragment_name) flatten_fields(fragment.selections, doc, out, depth + 1);
            }
        }
    }
}

// What each root field of the sandbox's schema returns and accepts.
struct RootFieldSpec {
    std::string type;                                        // result type name
    std::vector<std::pair<std::string, std::string>> args;   // name, type (all required)
    std::vector<std::string> fields;                         // selectable fields of the result
};

const std::map<std::string, RootFieldSpec>& mutation_fields() {
    static const std::map<std::string, RootFieldSpec> specs = {
        {"iotDeviceSetTargetState",
         {"IotDevice", {{"id", "ID!"}, {"targetState", "[IotDeviceStateInput!]!"}}, {"__typename", "id", "name"}}},
        {"answerIncomingCall", {"AnswerIncomingCallPayload", {{"iotDeviceId", "ID!"}}, {"__typename"}}},
    };
    return specs;
}

}  // namespace

// ---------------------------------------------------------------- state

State::State(StateConfig config) : config_(std::move(config)) {
    devices_["dev_42"] = Device{"Front door", {{"open", "false"}, {"call", "false"}}, {}, 0};
    devices_["dev_43"] = Device{"Garage gate", {{"open", "false"}, {"call", "false"}}, {}, 0};
}

// ---------------------------------------------------------------- token endpoint

json State::app_config(const std::string& base) const {
    return json{{"virtual_numbers_pool", virtual_numbers},
                {"ewebrtc_domain", ewebrtc_domain},
                {"app_token_url", base + "/tokens"},
                {"app_e911id_url", base + "/e911ids"},
                {"info",
                 {{"scope_map",
                   {{"MOBILE_NUMBER", "WEBRTCMOBILE"},
                    {"VIRTUAL_NUMBER", "WEBRTC"},
                    {"ACCOUNT_ID", "WEBRTC"},
                    {"E911", "EMERGENCYSERVICES"}}}}}};
}

Reply State::issue_token(const std::string& scope, const std::string& subject) {
    Token token;
    token.scope = scope;
    token.subject = subject;
    token.issued_at = unix_now();
    token.expires_at = token.issued_at + config_.token_ttl_seconds;
    const json claims = {{"sub", subject},
                         {"scope", scope},
                         {"iat", token.issued_at},
                         {"exp", token.expires_at},
                         {"jti", random_hex(12)},
                         {"iss", "callctl-sandbox"}};
    token.access = crypto::sign_jwt_hs256(claims, config_.jwt_secret);
    token.refresh = "rt_" + random_hex(24);
    refresh_[token.refresh] = token.access;
    tokens_[token.access] = token;
    return Reply{200,
                 json{{"access_token", token.access},
                      {"token_type", "bearer"},
                      {"expires_in", config_.token_ttl_seconds},
                      {"refresh_token", token.refresh}},
                 {}};
}

Reply State::create_token(const json& body) {
    if (!body.is_object()) return token_error(400, "invalid_request", "the body must be a JSON object");
    const std::lock_guard lock(mutex_);

    if (body.contains("refresh_token")) {
        if (body.contains("app_scope")) return token_error(400, "invalid_request", "send either refresh_token or app_scope, not both");
        if (!is_nonempty_string(body, "refresh_token")) return token_error(400, "invalid_request", "refresh_token must be a non-empty string");
        const auto it = refresh_.find(body.at("refresh_token").get<std::string>());
        if (it == refresh_.end()) return token_error(400, "invalid_grant", "refresh token is unknown, used or revoked");
        // Rotation: the old refresh token is spent and the old access token dies with it.
        Token& old = tokens_.at(it->second);
        old.revoked = true;
        const std::string scope = old.scope;
        const std::string subject = old.subject;
        refresh_.erase(it);
        return issue_token(scope, subject);
    }

    if (!body.contains("app_scope") || !body.at("app_scope").is_string()) {
        return token_error(400, "invalid_request", "app_scope (MOBILE_NUMBER, VIRTUAL_NUMBER or ACCOUNT_ID) or refresh_token is required");
    }
    const std::string scope = body.at("app_scope").get<std::string>();
    if (scope == "MOBILE_NUMBER") {
        if (!is_nonempty_string(body, "auth_code")) return token_error(400, "invalid_request", "auth_code is required for MOBILE_NUMBER");
        // A way for tests to see a rejected consent code.
        if (body.at("auth_code") == "invalid") return token_error(400, "invalid_grant", "auth_code is invalid or expired");
        return issue_token(scope, fmt::format("+1201555{:04}", next_subject_++ % 10000));
    }
    if (scope == "VIRTUAL_NUMBER" || scope == "ACCOUNT_ID") {
        if (body.contains("auth_code")) return token_error(400, "invalid_request", fmt::format("auth_code must not be sent for {}", scope));
        const auto n = next_subject_++;
        const std::string subject = scope == "VIRTUAL_NUMBER"
                                        ? virtual_numbers[static_cast<std::size_t>(n) % virtual_numbers.size()]
                                        : fmt::format("user{}@{}", n, ewebrtc_domain);
        return issue_token(scope, subject);
    }
    return token_error(400, "invalid_request", fmt::format("unknown app_scope '{}'", scope));
}

Reply State::revoke_token(const json& body) {
    if (!body.is_object() || !is_nonempty_string(body, "token")) {
        return token_error(400, "invalid_request", "the body must be {\"token\":\"<access token>\"}");
    }
    const std::lock_guard lock(mutex_);
    const auto it = tokens_.find(body.at("token").get<std::string>());
    if (it == tokens_.end() || it->second.revoked) return token_error(400, "invalid_request", "unknown or already revoked token");
    it->second.revoked = true;
    refresh_.erase(it->second.refresh);
    return Reply{200, json::object(), {}};
}

Reply State::create_e911_id(const json& body) {
    if (!body.is_object()) return token_error(400, "invalid_request", "the body must be a JSON object");
    {
        const std::lock_guard lock(mutex_);
        if (!is_nonempty_string(body, "token")) return token_error(401, "invalid_token", "token is required");
        const auto it = tokens_.find(body.at("token").get<std::string>());
        if (it == tokens_.end()) return token_error(401, "invalid_token", "unknown token");
        if (it->second.revoked) return token_error(401, "invalid_token", "token has been revoked");
        if (it->second.expires_at <= unix_now()) return token_error(401, "invalid_token", "token has expired");
        if (it->second.scope == "ACCOUNT_ID") {
            return token_error(403, "forbidden", "E911 ids are only for MOBILE_NUMBER and VIRTUAL_NUMBER users, not ACCOUNT_ID");
        }
    }
    if (!body.contains("address") || !body.at("address").is_object()) return token_error(400, "invalid_address", "address must be an object");
    const json& address = body.at("address");
    for (const char* field : {"first_name", "last_name", "house_number", "street", "city", "state", "zip"}) {
        if (!is_nonempty_string(address, field)) return token_error(400, "invalid_address", fmt::format("{} is required", field));
    }
    if (address.contains("unit") && !address.at("unit").is_string()) return token_error(400, "invalid_address", "unit must be a string");
    const auto state = address.at("state").get<std::string>();
    if (state.size() != 2 || !std::all_of(state.begin(), state.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; })) {
        return token_error(400, "invalid_address", "state must be two letters");
    }
    const auto zip = address.at("zip").get<std::string>();
    const auto digits = [](std::string_view s) { return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }); };
    const bool zip5 = zip.size() == 5 && digits(zip);
    const bool zip9 = zip.size() == 10 && zip[5] == '-' && digits(zip.substr(0, 5)) && digits(zip.substr(6));
    if (!zip5 && !zip9) return token_error(400, "invalid_address", "zip must be 5 digits or ZIP+4 (12345-6789)");
    if (body.contains("is_confirmed")) {
        const json& confirmed = body.at("is_confirmed");
        if (!confirmed.is_boolean() && confirmed != "true" && confirmed != "false") {
            return token_error(400, "invalid_request", "is_confirmed must be a boolean");
        }
    }
    return Reply{200,
                 json{{"e911Locations",
                       {{"addressIdentifier", "e911_" + random_hex(10)}, {"status", "Validated"}, {"expirationDate", "-1"}}}},
                 {}};
}

std::optional<Reply> State::check_bearer(const std::string& authorization_header, std::string* subject) {
    auto unauthorized = [](std::string message) {
        Reply reply = rest_error(401, "unauthorized", std::move(message));
        reply.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"callctl-sandbox\", error=\"invalid_token\"");
        return reply;
    };
    constexpr std::string_view prefix = "Bearer ";
    if (authorization_header.empty()) return unauthorized("missing Authorization: Bearer <token>");
    if (authorization_header.size() <= prefix.size() ||
        !std::equal(prefix.begin(), prefix.end(), authorization_header.begin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); })) {
        return unauthorized("Authorization must be 'Bearer <token>'");
    }
    const std::lock_guard lock(mutex_);
    const auto it = tokens_.find(authorization_header.substr(prefix.size()));
    if (it == tokens_.end()) return unauthorized("unknown access token");
    if (it->second.revoked) return unauthorized("access token has been revoked");
    if (it->second.expires_at <= unix_now()) return unauthorized("access token has expired");
    if (subject != nullptr) *subject = it->second.subject;
    return std::nullopt;
}

// ---------------------------------------------------------------- REST call API

json State::event(const std::string& type, const json& contact) {
    return json{{"id", next_event_id_++}, {"type", type}, {"timestamp", iso8601(Clock::now())}, {"contact", contact}};
}

json State::new_call_log(const json& body, json creator) {
    json log = {{"id", next_call_id_++},
                {"callId", uuid_v4()},
                {"callTitle", body.value("callTitle", "Sandbox call")},
                {"anonymousJoinAllow", body.value("joinAnonymousAllowed", false)},
                {"callStatus", "Planned"},
                {"callType", body.value("callType", "MESH")},
                {"callReason", body.value("callReason", "STANDARD")},
                {"informOthersDirectly", body.value("informOthersDirectly", true)},
                {"plannedDateTime", body.contains("plannedDateTime") ? body.at("plannedDateTime") : json(nullptr)},
                {"createdAt", iso8601(Clock::now())},
                {"creatorContact", creator},
                {"invitedContacts", body.value("invitedContacts", json::array())},
                {"invitedTeams", body.value("invitedTeams", json::array())},
                // A field no client knows: callctl must pass unknown fields through.
                {"serverRegion", "sandbox-1"}};
    log["callEvents"] = json::array({event("Created", creator)});
    return log;
}

Reply State::create_call(const json& body, const std::string& subject) {
    auto bad = [](std::string message) { return rest_error(400, "bad_request", std::move(message)); };
    if (!body.is_object()) return bad("the body must be a JSON object");
    if (!is_nonempty_string(body, "callTitle")) return bad("callTitle must be a non-empty string");
    if (!body.contains("callReason") || (body.at("callReason") != "STANDARD" && body.at("callReason") != "SERVICE_REQUEST")) {
        return bad("callReason must be STANDARD or SERVICE_REQUEST");
    }
    if (!body.contains("callType") || (body.at("callType") != "MESH" && body.at("callType") != "SFU")) {
        return bad("callType must be MESH or SFU");
    }
    if (!body.contains("invitedContacts") || !body.at("invitedContacts").is_array()) return bad("invitedContacts must be an array");
    for (const auto& contact : body.at("invitedContacts")) {
        if (!contact.is_object() || !is_nonempty_string(contact, "userId")) return bad("each invitedContacts entry needs a userId string");
        if (contact.contains("userDbId") && !contact.at("userDbId").is_number_integer()) return bad("userDbId must be an integer");
    }
    if (body.contains("invitedTeams") && !body.at("invitedTeams").is_array()) return bad("invitedTeams must be an array");
    for (const char* flag : {"joinAnonymousAllowed", "informOthersDirectly"}) {
        if (body.contains(flag) && !body.at(flag).is_boolean()) return bad(fmt::format("{} must be a boolean", flag));
    }
    if (body.contains("creatorUser") && !body.at("creatorUser").is_number_integer()) return bad("creatorUser must be an integer user id");
    std::optional<long long> planned;
    if (body.contains("plannedDateTime") && !body.at("plannedDateTime").is_null()) {
        if (!body.at("plannedDateTime").is_string()) return bad("plannedDateTime must be an ISO-8601 string or null");
        planned = parse_iso8601(body.at("plannedDateTime").get<std::string>());
        if (!planned) return bad("plannedDateTime is not ISO-8601 (e.g. 2030-01-31T09:30:00Z)");
    }

    json creator;
    if (body.contains("creatorUser")) {
        const auto id = body.at("creatorUser").get<long long>();
        creator = {{"id", id}, {"userId", fmt::format("user{}", id)}, {"userDbId", id}, {"displayName", fmt::format("User {}", id)}};
    } else {
        creator = {{"id", 12}, {"userId", subject}, {"userDbId", 12}, {"displayName", subject}};
    }

    const std::lock_guard lock(mutex_);
    Call call;
    call.log = new_call_log(body, creator);
    call.planned = planned;
    for (const auto& contact : body.at("invitedContacts")) call.participants.push_back(contact);
    if (call.participants.empty()) call.participants.push_back(creator);  // someone must join for the call to start
    const std::string id = call.log.at("callId");
    json answer = call.log;
    calls_.emplace(id, std::move(call));
    return Reply{200, std::move(answer), {}};
}

void State::advance(Call& call) {
    if (call.planned && *call.planned > unix_now()) return;  // a future call waits for its time
    json& log = call.log;
    if (call.joined < call.participants.size()) {
        log["callEvents"].push_back(event("Join", call.participants[call.joined++]));
        log["callStatus"] = "Started";
    } else if (call.left < call.participants.size()) {
        log["callEvents"].push_back(event("Leave", call.participants[call.left++]));
        if (call.left == call.participants.size()) {
            log["callStatus"] = "Ended";
            log["endedAt"] = iso8601(Clock::now());
        }
    }
}

Reply State::get_call(const std::string& call_id) {
    const std::lock_guard lock(mutex_);
    const auto it = calls_.find(call_id);
    if (it == calls_.end()) return rest_error(404, "not_found", fmt::format("no call with id {}", call_id));
    // Answer what the call is now, then move on: successive polls see
    // Planned, Started (one Join per poll), then Ended.
    json answer = it->second.log;
    if (!it->second.frozen) advance(it->second);
    return Reply{200, std::move(answer), {}};
}

Reply State::admin_get_call(const std::string& call_id) {
    const std::lock_guard lock(mutex_);
    const auto it = calls_.find(call_id);
    if (it == calls_.end()) return rest_error(404, "not_found", fmt::format("no call with id {}", call_id));
    json answer = it->second.log;
    answer["_sandbox"] = {{"frozen", it->second.frozen}, {"joined", it->second.joined}, {"left", it->second.left}};
    return Reply{200, std::move(answer), {}};
}

Reply State::admin_call_action(const std::string& call_id, const std::string& action) {
    {
        const std::lock_guard lock(mutex_);
        const auto it = calls_.find(call_id);
        if (it == calls_.end()) return rest_error(404, "not_found", fmt::format("no call with id {}", call_id));
        Call& call = it->second;
        if (action == "advance") {
            const auto saved = call.planned;
            call.planned.reset();  // an explicit advance ignores the planned time
            advance(call);
            call.planned = saved;
        } else if (action == "freeze") {
            call.frozen = true;
        } else if (action == "unfreeze") {
            call.frozen = false;
        } else {
            return rest_error(404, "not_found", fmt::format("unknown call action '{}' (advance, freeze, unfreeze)", action));
        }
    }
    return admin_get_call(call_id);
}

Reply State::admin_create_calls(const json& body) {
    if (!body.is_object()) return rest_error(400, "bad_request", "the body must be a JSON object");
    std::vector<std::string> chosen_ids;
    if (body.contains("callIds")) {
        if (!body.at("callIds").is_array()) return rest_error(400, "bad_request", "callIds must be an array of strings");
        for (const auto& id : body.at("callIds")) {
            if (!id.is_string() || id.get<std::string>().empty()) return rest_error(400, "bad_request", "callIds must be non-empty strings");
            chosen_ids.push_back(id.get<std::string>());
        }
    }
    long long count = static_cast<long long>(chosen_ids.size());
    if (body.contains("count")) {
        if (!body.at("count").is_number_integer() || body.at("count").get<long long>() < 0 || body.at("count").get<long long>() > 100000) {
            return rest_error(400, "bad_request", "count must be 0..100000");
        }
        count = std::max(count, body.at("count").get<long long>());
    }
    const bool frozen = body.value("frozen", false);
    const json invitee = {{"displayName", "Tester"}, {"userId", "tester"}, {"userDbId", 8}};
    const json template_body = {{"callTitle", body.value("callTitle", "Bench call")},
                                {"callReason", "STANDARD"},
                                {"callType", "MESH"},
                                {"invitedContacts", json::array({invitee})}};
    const json creator = {{"id", 12}, {"userId", "bench"}, {"userDbId", 12}};

    const std::lock_guard lock(mutex_);
    json ids = json::array();
    for (long long i = 0; i < count; ++i) {
        Call call;
        call.log = new_call_log(template_body, creator);
        if (static_cast<std::size_t>(i) < chosen_ids.size()) call.log["callId"] = chosen_ids[static_cast<std::size_t>(i)];
        call.participants.push_back(invitee);
        call.frozen = frozen;
        const std::string id = call.log.at("callId");
        calls_[id] = std::move(call);
        ids.push_back(id);
    }
    return Reply{200, json{{"callIds", std::move(ids)}}, {}};
}

// ---------------------------------------------------------------- GraphQL

Reply State::graphql(const json& body, std::vector<SentPush>& pushes) {
    if (!body.is_object() || !body.contains("query") || !body.at("query").is_string()) {
        return Reply{400, json{{"errors", json::array({graphql_error("POST body must be {\"query\":..., \"variables\":{...}}")})}}, {}};
    }
    auto parsed = api::parse_graphql_detailed(body.at("query").get<std::string>());
    if (!parsed) {
        const auto& e = parsed.error();
        json error = graphql_error(fmt::format("Syntax Error: {} ({}:{})", e.message, e.line, e.column));
        error["locations"] = json::array({{{"line", e.line}, {"column", e.column}}});
        return Reply{200, json{{"errors", json::array({error})}}, {}};
    }
    const api::GraphqlDocument& doc = *parsed;

    std::string operation_name;
    if (body.contains("operationName") && !body.at("operationName").is_null()) {
        if (!body.at("operationName").is_string()) return graphql_failure(json::array({graphql_error("operationName must be a string")}));
        operation_name = body.at("operationName").get<std::string>();
    }
    const api::GraphqlOperation* op = doc.find(operation_name);
    if (op == nullptr) {
        return graphql_failure(json::array({graphql_error(
            operation_name.empty() ? "Must provide operation name if query contains multiple operations."
                                   : fmt::format("Unknown operation named \"{}\".", operation_name))}));
    }

    json variables = json::object();
    if (body.contains("variables") && !body.at("variables").is_null()) {
        if (!body.at("variables").is_object()) return graphql_failure(json::array({graphql_error("variables must be an object")}));
        variables = body.at("variables");
    }
    json errors = json::array();
    for (const auto& v : op->variables) {
        if (variables.contains(v.name)) continue;
        if (v.default_value) {
            if (auto value = api::resolve_value(*v.default_value, json::object())) variables[v.name] = *value;
        } else if (!v.type.empty() && v.type.back() == '!') {
            errors.push_back(graphql_error(fmt::format("Variable \"${}\" of required type \"{}\" was not provided.", v.name, v.type)));
        }
    }
    for (const auto& name : op->referenced_variables) {
        if (!variables.contains(name) && op->variable(name) != nullptr && !op->variable(name)->type.ends_with("!")) {
            errors.push_back(graphql_error(fmt::format("Variable \"${}\" was not provided.", name)));
        }
    }
    if (!errors.empty()) return graphql_failure(errors);

    // Validate every root field before executing any, as a real server does.
    const std::string root_type = op->kind == "mutation" ? "Mutation" : op->kind == "query" ? "Query" : "Subscription";
    for (const auto& field : op->root_selections) {
        if (field.name == "__typename") continue;
        const auto spec = mutation_fields().find(field.name);
        if (op->kind != "mutation" || spec == mutation_fields().end()) {
            errors.push_back(graphql_error(fmt::format("Cannot query field \"{}\" on type \"{}\".", field.name, root_type)));
            continue;
        }
        for (const auto& arg : field.arguments) {
            const auto& known = spec->second.args;
            if (std::none_of(known.begin(), known.end(), [&](const auto& a) { return a.first == arg.name; })) {
                errors.push_back(graphql_error(fmt::format("Unknown argument \"{}\" on field \"Mutation.{}\".", arg.name, field.name)));
            }
        }
        for (const auto& [arg_name, arg_type] : spec->second.args) {
            if (field.argument(arg_name) == nullptr) {
                errors.push_back(graphql_error(fmt::format("Field \"{}\" argument \"{}\" of type \"{}\" is required, but it was not provided.",
                                                           field.name, arg_name, arg_type)));
            }
        }
        std::vector<const api::GraphqlField*> subfields;
        flatten_fields(field.selections, doc, subfields);
        if (subfields.empty()) {
            errors.push_back(graphql_error(fmt::format("Field \"{}\" of type \"{}!\" must have a selection of subfields.", field.name, spec->second.type)));
        }
        for (const auto* sub : subfields) {
            const auto& allowed = spec->second.fields;
            if (std::find(allowed.begin(), allowed.end(), sub->name) == allowed.end()) {
                errors.push_back(graphql_error(fmt::format("Cannot query field \"{}\" on type \"{}\".", sub->name, spec->second.type)));
            }
        }
    }
    if (!errors.empty()) return graphql_failure(errors);

    json data = json::object();
    bool failed = false;
    for (const auto& field : op->root_selections) {
        const std::string& key = field.response_key();
        if (field.name == "__typename") {
            data[key] = root_type;
            continue;
        }
        json args = json::object();
        for (const auto& arg : field.arguments) {
            auto value = api::resolve_value(arg.value, variables);
            if (!value) {
                errors.push_back(graphql_error(value.error().message, key));
                break;
            }
            args[arg.name] = *value;
        }
        if (!errors.empty()) {
            failed = true;
            continue;
        }
        std::vector<const api::GraphqlField*> subfields;
        flatten_fields(field.selections, doc, subfields);

        const std::lock_guard lock(mutex_);
        const json id = field.name == "answerIncomingCall" ? args["iotDeviceId"] : args["id"];
        if (!id.is_string()) {
            errors.push_back(graphql_error(fmt::format("ID cannot represent value: {}", id.dump()), key));
            failed = true;
            continue;
        }
        const auto device = devices_.find(id.get<std::string>());
        if (device == devices_.end()) {
            errors.push_back(graphql_error(fmt::format("IoT device not found: {}", id.get<std::string>()), key));
            failed = true;
            continue;
        }
        json result = json::object();
        if (field.name == "iotDeviceSetTargetState") {
            const json& target = args["targetState"];
            bool valid = target.is_array() && !target.empty();
            for (const auto& entry : target) {
                valid = valid && entry.is_object() && entry.size() == 2 && entry.contains("action") && entry.contains("value") &&
                        entry["action"].is_string() && entry["value"].is_string() &&
                        (entry["action"] == "open" || entry["action"] == "call");
            }
            if (!valid) {
                errors.push_back(graphql_error(
                    fmt::format("targetState must be a non-empty list of {{action: \"open\"|\"call\", value: String!}}, got {}", target.dump()), key));
                failed = true;
                continue;
            }
            for (const auto& entry : target) device->second.state[entry["action"].get<std::string>()] = entry["value"].get<std::string>();
            for (const auto* sub : subfields) {
                if (sub->name == "__typename") result[sub->response_key()] = "IotDevice";
                if (sub->name == "name") result[sub->response_key()] = device->second.name;
                if (sub->name == "id") result[sub->response_key()] = device->first;
            }
        } else {  // answerIncomingCall
            device->second.state["call"] = "answered";
            ++device->second.answered;
            // The backend tells the apartment's other phones to stop ringing.
            pushes.push_back(SentPush{"Call.StopIncoming", json{{"type", "Call.StopIncoming"}, {"iotDeviceId", device->first}}});
            for (const auto* sub : subfields) result[sub->response_key()] = "AnswerIncomingCallPayload";
        }
        data[key] = std::move(result);
    }
    if (failed) return graphql_failure(errors);
    return Reply{200, json{{"data", std::move(data)}}, {}};
}

json State::devices() const {
    const std::lock_guard lock(mutex_);
    json out = json::object();
    for (const auto& [id, device] : devices_) {
        out[id] = {{"name", device.name}, {"state", device.state}, {"answered", device.answered}, {"ringingCallId", device.ringing_call_id}};
    }
    return out;
}

// ---------------------------------------------------------------- pushes

State::Device& State::device_for_push(const std::string& id) {
    auto [it, inserted] = devices_.try_emplace(id);
    if (inserted) it->second = Device{fmt::format("Door {}", id), {{"open", "false"}, {"call", "false"}}, {}, 0};
    return it->second;
}

json State::wrap_push(const json& data, const std::string& wrap) const {
    if (wrap == "fcm-v1") return json{{"message", {{"token", "sandbox-fcm-registration-token"}, {"data", data}}}};
    if (wrap == "fcm-legacy") return json{{"to", "sandbox-fcm-registration-token"}, {"priority", "high"}, {"data", data}};
    return data;
}

namespace {
std::optional<Reply> check_push_request(const json& body, std::string& device_id, std::string& wrap) {
    if (!body.is_object() || !is_nonempty_string(body, "iotDeviceId")) {
        return rest_error(400, "bad_request", "the body must be {\"iotDeviceId\":\"dev_42\", \"wrap\":\"none|fcm-v1|fcm-legacy\"}");
    }
    device_id = body.at("iotDeviceId").get<std::string>();
    wrap = body.value("wrap", "none");
    if (wrap != "none" && wrap != "fcm-v1" && wrap != "fcm-legacy") {
        return rest_error(400, "bad_request", "wrap must be none, fcm-v1 or fcm-legacy");
    }
    return std::nullopt;
}
}  // namespace

Reply State::incoming_push(const json& body) {
    std::string device_id, wrap;
    if (auto bad = check_push_request(body, device_id, wrap)) return *bad;
    const std::string call_id = uuid_v4();
    const std::string room = "room_" + random_hex(6);
    const long long now = unix_now();
    const json video = {{"url", fmt::format("https://sandbox.example/video/{}", device_id)}, {"username", "door"}, {"password", random_hex(8)}};
    const json audio = {{"roomName", room},
                        {"domain", "meet.sandbox.example"},
                        {"jsonWebToken", crypto::sign_jwt_hs256(json{{"iss", "callctl-sandbox"},
                                                                     {"aud", "jitsi"},
                                                                     {"sub", "meet.sandbox.example"},
                                                                     {"room", room},
                                                                     {"iat", now},
                                                                     {"exp", now + 3600},
                                                                     {"context", {{"user", {{"name", device_id}}}}}},
                                                                config_.jwt_secret)}};
    const json data = {{"type", "Call.Incoming"},
                       {"iotDeviceId", device_id},
                       {"callId", call_id},
                       {"video", crypto::seal(config_.push_key, video.dump())},
                       {"audio", crypto::seal(config_.push_key, audio.dump())}};
    const std::lock_guard lock(mutex_);
    Device& device = device_for_push(device_id);
    device.ringing_call_id = call_id;
    device.state["call"] = "ringing";
    return Reply{200, wrap_push(data, wrap), {}};
}

Reply State::stop_push(const json& body) {
    std::string device_id, wrap;
    if (auto bad = check_push_request(body, device_id, wrap)) return *bad;
    const std::lock_guard lock(mutex_);
    device_for_push(device_id).state["call"] = "false";
    return Reply{200, wrap_push(json{{"type", "Call.StopIncoming"}, {"iotDeviceId", device_id}}, wrap), {}};
}

}  // namespace callctl::sandbox
