// Shared by the push decoders; not part of the public API.
#pragma once

#include <string>
#include <string_view>

#include "callctl/push/push.hpp"
#include "callctl/push/signature.hpp"
#include "callctl/util/json.hpp"

namespace callctl::push::detail {

// The per-vendor decoders take the unwrapped data map (by value: they move
// pieces of it into the output). decode() has already checked the signature
// and passes what it found; the decoder places it in the output.
Result<Decoded> decode_intercom(Json data, const DecodeOptions& options);
Result<Decoded> decode_kaleyra(Json data, const DecodeOptions& options, const std::optional<SignatureCheck>& signature);
// Webex also takes the raw payload: --extract gives a payload's own bytes.
Result<Decoded> decode_webex(Json data, std::string_view raw_payload, const DecodeOptions& options,
                             const std::optional<SignatureCheck>& signature);

// The "signature" member of the normalised output: {"verified":true,
// "scheme":…[,"signed_at":ISO-8601]}, plus the replay warning for an old t
// when no tolerance was asked for.
Json signature_json(const SignatureCheck& check);
void warn_if_replayed(const SignatureCheck& check, const DecodeOptions& options, Decoded& result);

// parse_json + unwrap of a whole raw payload; an empty one is bad_input.
Result<Json> parse_and_unwrap(std::string_view raw_payload);

// Vendor markers (callctl(1), decode-push and WIRE FORMATS).
bool is_intercom(const Json& data);
bool is_kaleyra(const Json& data);
bool is_webex(const Json& data);

// A string member, or nullptr when absent or not a string.
const std::string* string_member(const Json& object, std::string_view key);
// Copies object[key] to out[out_key] when present.
void copy_if_present(const Json& object, std::string_view key, Json& out, std::string_view out_key);

// "2022-05-26T09:04:38Z", or with milliseconds "2022-05-26T09:04:38.097Z".
std::string iso8601_utc(long long seconds);
std::string iso8601_utc_millis(long long milliseconds);

// Real pushes nest a handful of levels; the limit keeps a hostile payload
// (JSON nested 100,000 deep) from exhausting the stack when the decoded tree
// is walked or printed. Embedded JSON text counts on its own, and the levels
// of embedding are bounded too, so the output's depth stays bounded.
// The same limit, and the same scan (util::json_nesting_depth), as every
// other JSON callctl reads.
inline constexpr std::size_t max_json_nesting = util::json_depth_limit;
inline std::size_t json_nesting(std::string_view text) { return util::json_nesting_depth(text, max_json_nesting); }

// Parses JSON text; bad_input naming `what` and the byte offset on failure,
// or when it nests deeper than max_json_nesting.
Result<Json> parse_json(std::string_view text, std::string_view what);
// For JSON text found inside a payload (an FCM data value, webhookTelephonyPush,
// a decrypted credential): the value, or a discarded one when the text is not
// JSON or nests too deep.
Json parse_embedded(std::string_view text);

}  // namespace callctl::push::detail
