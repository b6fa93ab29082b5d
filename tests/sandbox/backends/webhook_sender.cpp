#include "webhook_sender.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string_view>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "callctl/crypto/crypto.hpp"
#include "callctl/push/signature.hpp"
#include "callctl/util/strings.hpp"
#include "callctl/webhook/examples.hpp"
#include "rest.hpp"
#include "support.hpp"
#include "webex_api.hpp"

namespace callctl::sandbox {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t queue_capacity = 256;  // webhooks waiting; beyond that a delivery fails at once
constexpr std::size_t sender_threads = 4;
constexpr long long max_wait_ms = 30000;  // GET /_sandbox/webhooks/deliveries?count=N waits at most this long
const std::string user_agent = "callctl-sandbox-webhooks/1.0";

struct ParsedUrl {
    std::string origin;  // scheme://host:port, what httplib::Client takes
    std::string target;  // path and query ("/" when none)
};

std::optional<ParsedUrl> parse_url(const std::string& url) {
    for (std::string_view scheme : {"http://", "https://"}) {
        if (url.size() <= scheme.size() || !util::iequals(std::string_view(url).substr(0, scheme.size()), scheme)) continue;
        const auto slash = url.find_first_of("/?", scheme.size());
        ParsedUrl parsed{url.substr(0, slash), slash == std::string::npos ? "/" : url.substr(slash)};
        if (parsed.target.front() == '?') parsed.target.insert(0, "/");
        if (parsed.origin.size() == scheme.size()) return std::nullopt;
        return parsed;
    }
    return std::nullopt;
}

std::string text_or(const json& object, const char* key, std::string fallback) {
    return is_nonempty_string(object, key) ? object.at(key).get<std::string>() : std::move(fallback);
}

// A user id as Webex knows the person: a Webex id is kept, anything else
// becomes base64("ciscospark://us/PEOPLE/<id>"), the same id every time.
std::string webex_person(const std::string& user_id) {
    auto decoded = crypto::base64_decode(user_id);
    if (decoded && decoded->rfind("ciscospark://us/PEOPLE/", 0) == 0) return user_id;
    return webhook::webex_id("PEOPLE", user_id);
}

// Kaleyra rooms look like room_f61b4d202472; a call's room follows from its id.
std::string room_of(const std::string& call_id) {
    std::string hex;
    for (const char c : call_id) {
        if (std::isxdigit(static_cast<unsigned char>(c)) != 0) hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return "room_" + (hex.size() >= 12 ? hex.substr(0, 12) : random_hex(6));
}

// httplib's error, as a person reads it in the delivery record.
std::string describe(httplib::Error error) {
    switch (error) {
    case httplib::Error::Connection: return "could not connect";
    case httplib::Error::ConnectionTimeout: return "connecting timed out";
    case httplib::Error::Read: return "no answer (the read failed or timed out)";
    case httplib::Error::Write: return "sending failed or timed out";
    case httplib::Error::SSLConnection: return "TLS handshake failed";
    case httplib::Error::SSLServerVerification: return "TLS: the server's certificate is not trusted";
    case httplib::Error::SSLLoadingCerts: return "TLS: cannot load the CA certificates";
    default: return httplib::to_string(error);
    }
}

json headers_json(const std::vector<std::pair<std::string, std::string>>& headers) {
    json out = json::object();
    for (const auto& [name, value] : headers) out[util::to_lower(name)] = value;
    return out;
}

}  // namespace

json WebhookSenderBackend::Target::describe() const {
    json out = {{"id", id}, {"vendor", vendor}, {"url", url}, {"signed", secret.has_value()}};
    if (vendor == "kaleyra") {
        out["signature"] = signature;
        out["t"] = t_unit;
        out["envelope"] = kaleyra_v1 ? "v1" : "v0";
    }
    if (!cacert.empty()) out["cacert"] = cacert;
    return out;
}

WebhookSenderBackend::WebhookSenderBackend(RestBackend& rest, WebexApiBackend& webex) : rest_(rest), webex_(webex) {}

WebhookSenderBackend::~WebhookSenderBackend() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_ready_.notify_all();
    for (auto& worker : workers_) {
        if (worker.joinable()) worker.join();
    }
}

void WebhookSenderBackend::add_options(CLI::App& app) {
    app.add_option("--webhook-url", flag_urls_,
                   "Send each created call's webhooks here too (repeatable; see --webhook-vendor)")
        ->option_text("URL");
    app.add_option("--webhook-vendor", flag_vendors_, "Which webhooks --webhook-url gets: kaleyra, webex or both (default)")
        ->check(CLI::IsMember({"kaleyra", "webex", "both"}))
        ->option_text("kaleyra|webex|both");
    app.add_option("--webhook-kaleyra-key", kaleyra_key_,
                   "The Kaleyra company API key that signs bandyer-signature (default ak_sandbox_callctl)")
        ->option_text("KEY");
    app.add_option("--webhook-webex-secret", webex_secret_, "The secret that signs X-Spark-Signature for --webhook-url "
                                                            "(default: unsigned)")
        ->option_text("SECRET");
    app.add_option("--webhook-cacert", cacert_, "Trust this CA for https:// webhook targets (default: the system's)")
        ->option_text("FILE");
    app.add_option("--webhook-timeout", timeout_seconds_, "Connect, write and read limit of each webhook POST (default 5)")
        ->check(CLI::Range(0.1, 60.0))
        ->option_text("SEC");
}

Status WebhookSenderBackend::start() {
    for (const auto& url : flag_urls_) {
        if (!parse_url(url)) return make_error(ExitCode::usage, fmt::format("--webhook-url {}: not an http:// or https:// URL", url));
        for (const std::string vendor : {"kaleyra", "webex"}) {
            if (flag_vendors_ != "both" && flag_vendors_ != vendor) continue;
            Target target;
            target.id = fmt::format("flag-{}", flag_targets_.size() + 1);
            target.vendor = vendor;
            target.url = url;
            if (vendor == "kaleyra") target.secret = kaleyra_key_;
            if (vendor == "webex" && !webex_secret_.empty()) target.secret = webex_secret_;
            target.cacert = cacert_;
            flag_targets_.push_back(std::move(target));
        }
    }
    rest_.on_call_created([this](const json& log) {
        CallParties call;
        call.call_id = log.value("callId", "");
        call.caller = log.value("creatorContact", json::object());
        for (const auto& contact : log.value("invitedContacts", json::array())) call.callees.push_back(contact);
        send_for(call, "createCall");
    });
    for (std::size_t i = 0; i < sender_threads; ++i) workers_.emplace_back([this] { work(); });
    return {};
}

void WebhookSenderBackend::install(Router& router) {
    router.admin({"GET", "POST", "DELETE"}, exact("/_sandbox/webhooks/targets"), [this](const httplib::Request& req, const json& body) {
        if (req.method == "GET") return list_targets();
        if (req.method == "POST") return add_target(body);
        const std::lock_guard lock(mutex_);
        admin_targets_.clear();  // the --webhook-url ones stay: they are start-up configuration
        return Reply{200, json::object()};
    });
    router.admin({"POST"}, exact("/_sandbox/webhooks/send"), [this](const httplib::Request&, const json& body) { return send_admin(body); });
    router.admin({"GET", "DELETE"}, exact("/_sandbox/webhooks/deliveries"),
                 [this](const httplib::Request& req, const json&) { return deliveries(req); });
}

Reply WebhookSenderBackend::add_target(const json& body) {
    static const std::vector<std::string> keys = {"url", "vendor", "secret", "signature", "t", "envelope", "cacert"};
    if (!body.is_object()) return error_reply(400, "bad_request", "the body must be a JSON object");
    for (const auto& [key, value] : body.items()) {
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) return error_reply(400, "bad_request", fmt::format("unknown key '{}'", key));
        if (!value.is_string()) return error_reply(400, "bad_request", fmt::format("{} must be a string", key));
    }
    Target target;
    target.url = text_or(body, "url", "");
    target.vendor = text_or(body, "vendor", "");
    if (!parse_url(target.url)) return error_reply(400, "bad_request", "url must be an http:// or https:// URL");
    if (target.vendor != "kaleyra" && target.vendor != "webex") return error_reply(400, "bad_request", "vendor must be kaleyra or webex");
    if (body.contains("secret")) target.secret = body.at("secret").get<std::string>();
    else if (target.vendor == "kaleyra") target.secret = kaleyra_key_;
    else if (!webex_secret_.empty()) target.secret = webex_secret_;
    target.signature = text_or(body, "signature", "v1");
    target.t_unit = text_or(body, "t", "s");
    const std::string envelope = text_or(body, "envelope", "v0");
    target.kaleyra_v1 = envelope == "v1";
    target.cacert = text_or(body, "cacert", cacert_);
    if (target.signature != "v1" && target.signature != "v0") return error_reply(400, "bad_request", "signature must be v1 or v0");
    if (target.t_unit != "s" && target.t_unit != "ms") return error_reply(400, "bad_request", "t must be s or ms");
    if (envelope != "v0" && envelope != "v1") return error_reply(400, "bad_request", "envelope must be v0 or v1");
    const std::lock_guard lock(mutex_);
    target.id = fmt::format("tgt_{}", next_target_++);
    admin_targets_.push_back(target);
    return Reply{200, target.describe()};
}

Reply WebhookSenderBackend::list_targets() const {
    json out = json::array();
    for (const auto& target : all_targets()) out.push_back(target.describe());
    return Reply{200, out};
}

std::vector<WebhookSenderBackend::Target> WebhookSenderBackend::all_targets() const {
    std::vector<Target> targets;
    {
        const std::lock_guard lock(mutex_);
        targets = flag_targets_;
        targets.insert(targets.end(), admin_targets_.begin(), admin_targets_.end());
    }
    for (const auto& subscriber : webex_.telephony_push_subscribers()) {
        Target target;
        target.id = "webex:" + subscriber.webhook.at("id").get<std::string>();
        target.vendor = "webex";
        target.url = subscriber.webhook.at("targetUrl").get<std::string>();
        target.secret = subscriber.secret;
        target.cacert = cacert_;
        target.webex_webhook = subscriber.webhook;
        targets.push_back(std::move(target));
    }
    return targets;
}

Reply WebhookSenderBackend::send_admin(const json& body) {
    const json request = body.is_null() ? json::object() : body;
    if (!request.is_object()) return error_reply(400, "bad_request", "the body must be a JSON object");
    for (const auto& [key, value] : request.items()) {
        if (key != "caller" && key != "callees" && key != "callId") return error_reply(400, "bad_request", fmt::format("unknown key '{}'", key));
        if (key == "callees" ? !value.is_array() : !value.is_string()) return error_reply(400, "bad_request", fmt::format("{} has the wrong type", key));
    }
    CallParties call;
    call.call_id = text_or(request, "callId", uuid_v4());
    const std::string caller = text_or(request, "caller", "usr_123");
    call.caller = {{"userId", caller}, {"displayName", caller}};
    for (const auto& callee : request.value("callees", json::array({"usr_999"}))) {
        if (!callee.is_string() || callee.get<std::string>().empty()) return error_reply(400, "bad_request", "callees must be user ids");
        call.callees.push_back({{"userId", callee}});
    }
    const auto seqs = send_for(call, "admin");
    return Reply{200, json{{"callId", call.call_id}, {"deliveries", seqs}}};
}

std::optional<WebhookSenderBackend::Job> WebhookSenderBackend::make_job(const Target& target, const CallParties& call,
                                                                         const json* callee, const std::string& trigger) {
    webhook::ExampleParams params;
    params.now = std::chrono::system_clock::now();
    const std::string caller_id = text_or(call.caller, "userId", "usr_123");
    Job job;
    job.target = target;
    job.headers = {{"Content-Type", "application/json"}, {"User-Agent", user_agent}};
    json body;
    if (target.vendor == "kaleyra") {
        params.caller = caller_id;
        params.callees.clear();
        for (const auto& contact : call.callees) params.callees.push_back(text_or(contact, "userId", "usr_999"));
        params.room_id = room_of(call.call_id);
        params.kaleyra_v1 = target.kaleyra_v1;
        body = *webhook::example_webhook("on_call_incoming", params);
        job.body = body.dump();
        if (target.secret && target.signature == "v0") {
            job.headers.emplace_back(push::kaleyra_room_hmac_header, push::sign_kaleyra_v0(*target.secret, params.room_id));
        } else if (target.secret) {
            const auto since_epoch = params.now.time_since_epoch();
            const long long t = target.t_unit == "ms" ? std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count()
                                                      : std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
            job.headers.emplace_back(push::kaleyra_signature_header, push::sign_kaleyra_v1(*target.secret, t, job.body));
        }
    } else {
        const std::string user = text_or(*callee, "userId", "usr_999");
        params.person_id = webex_person(user);
        params.person_email = text_or(*callee, "email", user + "@sandbox.example");
        params.caller_name = text_or(call.caller, "displayName", caller_id);
        params.caller_number = text_or(call.caller, "phoneNumber", "+14085550100");
        params.target_url = target.url;
        body = *webhook::example_webhook("telephony_push", params);
        // A fake-API webhook delivers under its own id, name, org and app.
        for (const char* key : {"id", "name", "orgId", "appId", "ownedBy", "status", "created", "filter"}) {
            if (target.webex_webhook.is_object() && target.webex_webhook.contains(key)) {
                body[key] = target.webex_webhook.at(key);
            }
        }
        job.body = body.dump();
        if (target.secret) job.headers.emplace_back(push::webex_signature_header, push::sign_webex(*target.secret, job.body));
    }
    job.record = {{"trigger", trigger},
                  {"callId", call.call_id},
                  {"vendor", target.vendor},
                  {"event", target.vendor == "kaleyra" ? "on_call_incoming" : "telephony_push"},
                  {"target", target.id},
                  {"url", target.url},
                  {"callee", callee ? json(text_or(*callee, "userId", "")) : json(nullptr)},
                  {"state", "queued"},
                  {"request", {{"headers", headers_json(job.headers)}, {"body", job.body}}}};
    if (target.vendor == "webex") job.record["personId"] = params.person_id;
    return job;
}

std::vector<std::uint64_t> WebhookSenderBackend::send_for(const CallParties& call, const std::string& trigger) {
    std::vector<Job> jobs;
    for (const auto& target : all_targets()) {
        if (target.vendor == "kaleyra") {
            if (auto job = make_job(target, call, nullptr, trigger)) jobs.push_back(std::move(*job));
        } else {
            for (const auto& callee : call.callees) {
                if (auto job = make_job(target, call, &callee, trigger)) jobs.push_back(std::move(*job));
            }
        }
    }
    std::vector<std::uint64_t> seqs;
    {
        const std::lock_guard lock(mutex_);
        for (auto& job : jobs) {
            job.seq = next_seq_++;
            job.record["seq"] = job.seq;
            seqs.push_back(job.seq);
            if (queue_.size() >= queue_capacity) {
                job.record["state"] = "done";
                job.record["status"] = nullptr;
                job.record["error"] = "the sender's queue is full";
                deliveries_[job.seq] = std::move(job.record);
                continue;
            }
            deliveries_[job.seq] = job.record;
            queue_.push_back(std::move(job));
        }
    }
    work_ready_.notify_all();
    delivered_.notify_all();
    return seqs;
}

json WebhookSenderBackend::deliver(const Job& job) const {
    const auto parsed = parse_url(job.target.url);
    json result = {{"status", nullptr}, {"error", nullptr}};
    const auto started = Clock::now();
    if (!parsed) {
        result["error"] = "not an http:// or https:// URL";
        return result;
    }
    httplib::Client client(parsed->origin);
    const auto seconds = static_cast<time_t>(timeout_seconds_);
    const auto micros = static_cast<time_t>((timeout_seconds_ - static_cast<double>(seconds)) * 1e6);
    client.set_connection_timeout(seconds, micros);
    client.set_read_timeout(seconds, micros);
    client.set_write_timeout(seconds, micros);
    client.set_keep_alive(false);
    if (util::starts_with(util::to_lower(parsed->origin), "https://")) {
        client.enable_server_certificate_verification(true);
        if (!job.target.cacert.empty()) client.set_ca_cert_path(job.target.cacert);
    }
    httplib::Headers headers;
    for (const auto& [name, value] : job.headers) {
        if (!util::iequals(name, "Content-Type")) headers.emplace(name, value);
    }
    // Once: a webhook is never delivered twice.
    const auto answer = client.Post(parsed->target, headers, job.body, "application/json");
    result["elapsed_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    if (answer) {
        result["status"] = answer->status;
    } else {
        result["error"] = describe(answer.error());
    }
    return result;
}

void WebhookSenderBackend::work() {
    while (true) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        json result = deliver(job);
        {
            const std::lock_guard lock(mutex_);
            auto it = deliveries_.find(job.seq);
            if (it != deliveries_.end()) {
                for (auto& [key, value] : result.items()) it->second[key] = value;
                it->second["state"] = "done";
            }
        }
        delivered_.notify_all();
    }
}

Reply WebhookSenderBackend::deliveries(const httplib::Request& request) {
    std::unique_lock lock(mutex_);
    if (request.method == "DELETE") {
        std::erase_if(deliveries_, [](const auto& entry) { return entry.second.at("state") == "done"; });
        return Reply{200, json::object()};
    }
    // ?count=N: wait (bounded) until N deliveries are done, so tests wait on
    // the condition rather than sleep.
    std::size_t count = 0;
    long long wait_ms = 10000;
    try {
        if (request.has_param("count")) count = std::stoul(request.get_param_value("count"));
        if (request.has_param("timeout_ms")) wait_ms = std::min(std::stoll(request.get_param_value("timeout_ms")), max_wait_ms);
    } catch (const std::exception&) {
        return error_reply(400, "bad_request", "count and timeout_ms must be whole numbers");
    }
    auto done = [this] {
        return static_cast<std::size_t>(std::count_if(deliveries_.begin(), deliveries_.end(),
                                                      [](const auto& entry) { return entry.second.at("state") == "done"; }));
    };
    const bool reached = delivered_.wait_for(lock, std::chrono::milliseconds(std::max(wait_ms, 0LL)), [&] { return done() >= count; });
    json list = json::array();
    for (const auto& [seq, record] : deliveries_) list.push_back(record);
    if (!reached) {
        return Reply{408, json{{"error", "timeout"}, {"message", fmt::format("{} of {} deliveries done", done(), count)},
                               {"deliveries", std::move(list)}}};
    }
    return Reply{200, list};
}

}  // namespace callctl::sandbox
