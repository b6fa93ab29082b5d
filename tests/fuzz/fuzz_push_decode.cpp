// decode-push: the whole pipeline (unwrap → detect → vendor decoder) on one
// raw payload, with and without the key and a Kaleyra signature; and with the
// key, --stream's fast path (push/fast_stream.hpp), which must write exactly
// what the pipeline's result dumps whenever it takes a payload. The seeds are
// sealed with this key, so mutations of their JSON reach the fast path whole.
#include <chrono>
#include <cstdint>
#include <string>

#include "callctl/output/json.hpp"
#include "callctl/push/fast_stream.hpp"
#include "callctl/push/push.hpp"
#include "fuzz_util.hpp"

using namespace callctl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);
    push::DecodeOptions options;
    options.now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    for (int variant = 0; variant < 3; ++variant) {
        if (variant >= 1) options.key = std::string(32, '\x42');
        if (variant == 2) {
            options.require_decrypt = true;
            options.signature_header = "t=1700000000,v0=00";
            options.signature_secret = "secret";
        }
        auto decoded = push::decode(text, options);
        if (variant == 1) {
            push::IntercomFastPath fast(options);
            std::string fast_out;
            if (fast.append(text, fast_out)) {
                FUZZ_CHECK(decoded.has_value());
                FUZZ_CHECK(fast_out == output::dump_json(decoded->normalized, false));
            }
        }
        if (decoded) {
            FUZZ_CHECK(decoded->normalized.is_object());
            (void)output::dump_json(decoded->normalized, false);
        } else {
            const auto code = decoded.error().code;
            FUZZ_CHECK(code == ExitCode::bad_input || code == ExitCode::push_crypto || code == ExitCode::usage);
            (void)output::dump_json(push::stream_error(decoded.error(), 1), false);
        }
    }
    (void)push::find_iot_device_id(text);
    return 0;
}
