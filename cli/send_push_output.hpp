// send-push's results on stdout: -o json one array in input order (written
// as the results allow, holding only those that arrive early), -o ndjson one
// object per line as each device answers, -o table one row per push. With
// --cancel-after each device has its incoming result, then (when that push
// was taken) its stop result.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "callctl/deliver/result.hpp"
#include "callctl/output/table.hpp"
#include "printer.hpp"

namespace callctl::cli {

class SendPushOutput {
public:
    SendPushOutput(Printer& out, bool pretty, bool cancel_after);

    void put(const deliver::DeviceResult& result);
    void finish();

    // For the summary line: how many pushes went out and were refused, and
    // the worst exit code among them.
    std::size_t pushes() const { return pushes_; }
    std::size_t failed() const { return failed_; }
    ExitCode worst() const { return worst_; }
    const std::map<std::string, std::size_t>& errors() const { return errors_; }

private:
    using Key = std::pair<std::size_t, int>;  // device index, 0 incoming (or single) / 1 stop
    void write_ready();
    void write_element(const std::string& element);

    Printer& out_;
    bool pretty_;
    bool cancel_after_;
    std::map<Key, std::pair<std::string, bool>> pending_;  // json: element text, and whether that push was taken
    Key next_{0, 0};
    bool wrote_any_ = false;
    std::map<Key, std::vector<std::string>> rows_;  // table: rendered in input order at the end
    output::Table table_;
    std::size_t pushes_ = 0;
    std::size_t failed_ = 0;
    ExitCode worst_ = ExitCode::ok;
    std::map<std::string, std::size_t> errors_;  // error reason -> how many
};

}  // namespace callctl::cli
