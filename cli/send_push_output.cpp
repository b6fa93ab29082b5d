#include "send_push_output.hpp"

#include <fmt/format.h>

#include "callctl/output/json.hpp"

namespace callctl::cli {

namespace {

std::vector<std::string> headers(bool cancel_after) {
    if (cancel_after) return {"TO", "PLATFORM", "PUSH", "STATUS", "RESULT"};
    return {"TO", "PLATFORM", "STATUS", "RESULT"};
}

std::string status_text(const deliver::DeviceResult& r) { return r.status ? std::to_string(*r.status) : "-"; }

std::string result_text(const deliver::DeviceResult& r) {
    if (r.ok) return r.id.empty() ? "delivered" : r.id;
    std::string text = r.error;
    if (!r.message.empty() && r.message != r.error) text += ": " + r.message;
    return text;
}

}  // namespace

SendPushOutput::SendPushOutput(Printer& out, bool pretty, bool cancel_after)
    : out_(out), pretty_(pretty), cancel_after_(cancel_after), table_(headers(cancel_after)) {
    table_.set_keep(0);
}

void SendPushOutput::put(const deliver::DeviceResult& result) {
    out_.check_reader();  // `| head` went away: stop sending now, not after the last device
    ++pushes_;
    if (!result.ok) {
        ++failed_;
        worst_ = worst_of(worst_, result.code);
        ++errors_[result.error];
    }
    const Key key{result.index, result.role == deliver::PushRole::stop ? 1 : 0};
    switch (out_.format()) {
    case config::OutputFormat::ndjson:
        out_.json(deliver::to_json(result));
        out_.flush();  // each line as the device answers, for `| while read`
        break;
    case config::OutputFormat::table: {
        std::vector<std::string> row = {result.to, std::string(deliver::to_string(result.platform))};
        if (cancel_after_) row.emplace_back(key.second == 1 ? "stop" : "incoming");
        row.push_back(status_text(result));
        row.push_back(result_text(result));
        rows_.emplace(key, std::move(row));
        break;
    }
    default:
        pending_.emplace(key, std::make_pair(output::dump_json(deliver::to_json(result), pretty_), result.ok));
        write_ready();
        break;
    }
}

void SendPushOutput::write_element(const std::string& element) {
    std::string text = element;
    if (pretty_) {
        // Indented as dump(2) of the whole array would be.
        text = "  ";
        for (const char c : element) {
            text += c;
            if (c == '\n') text += "  ";
        }
    }
    out_.text(!wrote_any_ ? (pretty_ ? "[\n" : "[") : (pretty_ ? ",\n" : ","));
    out_.text(text);
    wrote_any_ = true;
}

void SendPushOutput::write_ready() {
    for (auto it = pending_.find(next_); it != pending_.end(); it = pending_.find(next_)) {
        write_element(it->second.first);
        const bool taken = it->second.second;
        pending_.erase(it);
        // A device's stop push follows its incoming one only when that was taken.
        if (next_.second == 0 && cancel_after_ && taken) next_ = {next_.first, 1};
        else next_ = {next_.first + 1, 0};
    }
}

void SendPushOutput::finish() {
    switch (out_.format()) {
    case config::OutputFormat::ndjson: break;
    case config::OutputFormat::table:
        for (auto& [key, row] : rows_) table_.add_row(std::move(row));
        if (table_.rows() > 0) out_.text(table_.render(out_.width(), out_.style()));
        break;
    default:
        // Whatever is left (an interrupted run leaves gaps) in input order.
        for (const auto& [key, element] : pending_) write_element(element.first);
        pending_.clear();
        if (!wrote_any_) out_.text("[]\n");
        else out_.text(pretty_ ? "\n]\n" : "]\n");
        break;
    }
}

}  // namespace callctl::cli
