// Tables for CallLogs, shared by create-call and call-log: the one-call report
// (header fields and an events timeline) and the one-row-per-call summary.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "callctl/api/rest.hpp"
#include "callctl/output/table.hpp"

namespace callctl::cli {

// Header (title, call id, status, type, reason, creator, created, invitees,
// joined now), a blank line, then TIME/TYPE/WHO rows, event types as sent.
std::string render_call_report(const api::CallLog& log, std::size_t width, output::Style style);

// ID, CALL ID, STATUS, CREATOR, INVITEES, JOINED, FIRST EVENT, LAST EVENT,
// one row per call in `index` order (the order asked, whatever the order of
// arrival). A failed id is a row with status "error: <message>".
class CallSummaryTable {
public:
    void add(std::size_t index, const api::CallLog& log);
    void add_error(std::size_t index, const std::string& call_id, const Error& error);
    std::string render(std::size_t width, output::Style style) const;

private:
    std::map<std::size_t, std::vector<std::string>> rows_;
};

}  // namespace callctl::cli
