#include "intercom.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "callctl/api/graphql_document.hpp"

namespace callctl::sandbox {

using nlohmann::json;

namespace {

json graphql_error(std::string message, std::optional<std::string> path = std::nullopt) {
    json e = {{"message", std::move(message)}};
    if (path) e["path"] = json::array({*path});
    return e;
}

Reply graphql_failure(json errors) { return Reply{200, json{{"data", nullptr}, {"errors", std::move(errors)}}}; }

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

IntercomBackend::IntercomBackend(Shared& shared) : tokens_(shared.tokens), logins_(shared.intercom_logins) {
    devices_["dev_42"] = Device{"Front door", {{"open", "false"}, {"call", "false"}}, {}, 0};
    devices_["dev_43"] = Device{"Garage gate", {{"open", "false"}, {"call", "false"}}, {}, 0};
}

void IntercomBackend::install(Router& router) {
    router.guard(exact("/graphql"), intercom_bearer_guard(tokens_, logins_));
    router.route({"POST"}, exact("/graphql"), [this](Exchange& x) {
        const auto body = x.json_body();
        if (!body) return Reply{400, json{{"errors", json::array({{{"message", "the body is not valid JSON"}}})}}};
        return graphql(*body, x.pushes);
    });
    router.admin({}, exact("/_sandbox/devices"), [this](const httplib::Request&, const json&) { return Reply{200, devices()}; });
}

Reply IntercomBackend::graphql(const json& body, std::vector<SentPush>& pushes) {
    if (!body.is_object() || !body.contains("query") || !body.at("query").is_string()) {
        return Reply{400, json{{"errors", json::array({graphql_error("POST body must be {\"query\":..., \"variables\":{...}}")})}}};
    }
    auto parsed = api::parse_graphql_detailed(body.at("query").get<std::string>());
    if (!parsed) {
        const auto& e = parsed.error();
        json error = graphql_error(fmt::format("Syntax Error: {} ({}:{})", e.message, e.line, e.column));
        error["locations"] = json::array({{{"line", e.line}, {"column", e.column}}});
        return Reply{200, json{{"errors", json::array({error})}}};
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
    return Reply{200, json{{"data", std::move(data)}}};
}

json IntercomBackend::devices() const {
    const std::lock_guard lock(mutex_);
    json out = json::object();
    for (const auto& [id, device] : devices_) {
        out[id] = {{"name", device.name}, {"state", device.state}, {"answered", device.answered}, {"ringingCallId", device.ringing_call_id}};
    }
    return out;
}

IntercomBackend::Device& IntercomBackend::device_for_push(const std::string& id) {
    auto [it, inserted] = devices_.try_emplace(id);
    if (inserted) it->second = Device{fmt::format("Door {}", id), {{"open", "false"}, {"call", "false"}}, {}, 0};
    return it->second;
}

void IntercomBackend::ring(const std::string& device_id, const std::string& call_id) {
    const std::lock_guard lock(mutex_);
    Device& device = device_for_push(device_id);
    device.ringing_call_id = call_id;
    device.state["call"] = "ringing";
}

void IntercomBackend::stop_ringing(const std::string& device_id) {
    const std::lock_guard lock(mutex_);
    device_for_push(device_id).state["call"] = "false";
}

}  // namespace callctl::sandbox
