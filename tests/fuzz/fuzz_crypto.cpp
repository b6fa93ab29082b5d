// base64 / hex decoding, push keys and crypto::open (the intercom seal).
#include <cstdint>
#include <string>

#include "callctl/crypto/crypto.hpp"
#include "fuzz_util.hpp"

using namespace callctl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::as_text(data, size);

    if (auto bytes = crypto::base64_decode(text)) {
        // Whatever decoded must come back from its canonical encodings.
        for (auto alphabet : {crypto::Base64Alphabet::standard, crypto::Base64Alphabet::url}) {
            for (bool pad : {true, false}) {
                auto again = crypto::base64_decode(crypto::base64_encode(*bytes, alphabet, pad));
                FUZZ_CHECK(again && *again == *bytes);
            }
        }
    } else {
        FUZZ_CHECK(bytes.error().code == ExitCode::bad_input);
    }
    if (auto bytes = crypto::hex_decode(text)) {
        FUZZ_CHECK(bytes->size() * 2 == text.size());
        auto again = crypto::hex_decode(crypto::hex_encode(*bytes));
        FUZZ_CHECK(again && *again == *bytes);
    }
    if (auto key = crypto::parse_key(text)) FUZZ_CHECK(key->size() == crypto::aes_key_size);

    // open() on attacker-controlled blobs with a fixed key: a clean error or
    // plaintext, never a crash. And seal/open round-trips the input.
    const std::string key(crypto::aes_key_size, '\x42');
    auto opened = crypto::open(key, text);
    if (!opened) FUZZ_CHECK(opened.error().code == ExitCode::push_crypto);
    auto round = crypto::open(key, crypto::seal(key, text));
    FUZZ_CHECK(round && *round == text);
    (void)crypto::open(text.substr(0, 32), text);  // a key of any size: bad_input, not a crash
    return 0;
}
