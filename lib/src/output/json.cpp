#include "callctl/output/json.hpp"

namespace callctl::output {

namespace {
// Invalid UTF-8 from a server must not abort output: replace it.
constexpr auto kErrorHandler = nlohmann::json::error_handler_t::replace;
}  // namespace

std::string dump_json(const nlohmann::json& value, bool pretty) {
    return value.dump(pretty ? 2 : -1, ' ', false, kErrorHandler);
}

std::string dump_json(const nlohmann::ordered_json& value, bool pretty) {
    return value.dump(pretty ? 2 : -1, ' ', false, kErrorHandler);
}

std::string cell_text(const nlohmann::json& value) {
    if (value.is_null()) return "-";
    if (value.is_string()) return value.get<std::string>();
    return value.dump(-1, ' ', false, kErrorHandler);
}

}  // namespace callctl::output
