// E911 addresses: an --address-file (JSON), and eight raw fields as flags give them.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>

#include "callctl/api/e911.hpp"
#include "fuzz_util.hpp"

using namespace callctl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // As an address file.
    const auto json = fuzz::parse_json(fuzz::as_text(data, size));
    if (!json.is_discarded()) {
        auto file = api::address_from_json(json, "address.json");
        if (file) {
            if (validate(file->address)) {
                const auto wire = api::to_json(file->address);
                FUZZ_CHECK(wire.is_object());
            }
        } else {
            FUZZ_CHECK(file.error().code == ExitCode::bad_input);
        }
    }

    // As flags.
    FuzzedDataProvider provider(data, size);
    api::E911Address address;
    for (std::string* field : {&address.first_name, &address.last_name, &address.house_number, &address.street,
                               &address.unit, &address.city, &address.state, &address.zip}) {
        *field = provider.ConsumeRandomLengthString(64);
    }
    auto status = api::validate(address);
    if (status) {
        const auto wire = api::to_json(address);
        FUZZ_CHECK(wire.at("state").get<std::string>().size() == 2);
    } else {
        FUZZ_CHECK(status.error().code == ExitCode::bad_input);
    }
    return 0;
}
