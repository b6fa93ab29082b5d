// JWT decoding (token show, decode-push audio credentials).
#include <cstdint>

#include "callctl/crypto/jwt.hpp"
#include "callctl/output/json.hpp"
#include "fuzz_util.hpp"

using namespace callctl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    (void)crypto::looks_like_jwt(text);
    auto decoded = crypto::decode_jwt(text);
    auto ordered = crypto::decode_jwt_ordered(text);
    FUZZ_CHECK(decoded.has_value() == ordered.has_value());
    if (decoded) {
        (void)output::dump_json(decoded->claims, true);
        (void)output::dump_json(ordered->header, false);
    } else {
        FUZZ_CHECK(decoded.error().code == ExitCode::bad_input);
    }
    return 0;
}
