// credentials.json: parse, read every profile's token, write one back.
#include <cstdint>

#include "callctl/config/credentials.hpp"
#include "fuzz_util.hpp"

using namespace callctl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto parsed = config::CredentialStore::parse(fuzz::as_text(data, size), "credentials.json");
    if (!parsed) {
        FUZZ_CHECK(parsed.error().code == ExitCode::bad_input);
        return 0;
    }
    config::CredentialStore store = std::move(*parsed);
    for (const char* profile : {"default", "staging", ""}) {
        if (auto token = store.get(profile)) {
            (void)token->expired(1700000000);
            // What was read must survive a round trip through the stored form.
            auto again = config::stored_token_from_json(config::to_json(*token));
            FUZZ_CHECK(again && again->access_token == token->access_token);
        }
    }
    // Every profile object as stored_token_from_json sees it, whatever its shape.
    if (auto json = fuzz::parse_json(fuzz::as_text(data, size)); json.is_object()) {
        if (auto profiles = json.find("profiles"); profiles != json.end() && profiles->is_object()) {
            for (const auto& [name, value] : profiles->items()) (void)config::stored_token_from_json(value);
        }
    }
    // Every slot the file holds, and a write into each kind of slot.
    for (const char* profile : {"default", "staging"}) {
        for (const auto& [slot, stored] : store.list(profile)) {
            auto again = store.get(profile, slot);
            FUZZ_CHECK(again && again->access_token == stored.access_token);
        }
    }
    config::StoredToken token;
    token.access_token = "a";
    store.put("default", token);
    store.put("default", config::CredentialSlot::intercom(), token);
    store.put("default", config::CredentialSlot::fcm_oauth("sa@x"), token);
    FUZZ_CHECK(store.get("default", config::CredentialSlot::fcm_oauth("sa@x")));
    FUZZ_CHECK(store.get("default") && store.get("default")->access_token == "a");
    (void)store.erase("staging");
    (void)store.erase("default", config::CredentialSlot::intercom());
    (void)store.erase_profile("staging");
    return 0;
}
