// phone clean / phone caller-info on anything.
#include <cstdint>

#include "callctl/api/phone.hpp"
#include "callctl/output/json.hpp"
#include "fuzz_util.hpp"

using namespace callctl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    const std::string cleaned = api::clean_phone_number(text);
    // Cleaning never grows a number (letters map to one digit each; addresses
    // and service codes come back trimmed).
    FUZZ_CHECK(cleaned.size() <= text.size());
    auto info = api::caller_info(text);
    if (info) {
        FUZZ_CHECK(info->is_object());
        (void)output::dump_json(*info, true);  // as the CLI prints it
    } else {
        FUZZ_CHECK(info.error().code == ExitCode::bad_input);
    }
    return 0;
}
