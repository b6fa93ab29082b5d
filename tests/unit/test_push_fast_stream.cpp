// decode-push --stream's fast path (callctl/push/fast_stream.hpp): it must take
// the common line (else the stream silently loses its speed) and write exactly
// what decode() + dump() write; what it cannot write identically it leaves alone.
#include <doctest/doctest.h>

#include "callctl/push/fast_stream.hpp"
#include "push_testutil.hpp"

using namespace callctl;
using namespace callctl::testing;
using push::Json;

namespace {

push::DecodeOptions with_key(long long now = 1600000000) {
    push::DecodeOptions options;
    options.key = push_key();
    options.now = at(now);
    return options;
}

std::string general_path(std::string_view line, const push::DecodeOptions& options) {
    auto decoded = push::decode(line, options);
    REQUIRE(decoded.has_value());
    return decoded->normalized.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

TEST_CASE("fast stream: takes an intercom push and writes decode()'s bytes") {
    for (const long long now : {1600000000LL, 1700000000LL, 1800000000LL}) {  // before, at and after exp
        const auto options = with_key(now);
        push::IntercomFastPath fast(options);
        Json push = intercom_incoming();
        push["extra_number"] = -42;
        push["extra_list"] = Json::parse(R"([true,null,{"k":"v\n\"q\""}])");
        push["aps"] = Json::object();
        for (const std::string& line : {intercom_incoming().dump(), push.dump(), push.dump(2)}) {
            std::string out = "kept|";
            REQUIRE(fast.append(line, out));
            CHECK(out == "kept|" + general_path(line, options));
        }
    }
}

TEST_CASE("fast stream: a JWT exp of up to 18 digits is shown exactly, as decode() shows it") {
    const auto options = with_key();
    push::IntercomFastPath fast(options);
    for (const long long exp : {0LL, -1LL, 1700000000LL, 253402300800LL, 123456789012345678LL, -999999999999999999LL}) {
        CAPTURE(exp);
        const std::string line = intercom_incoming(audio_json_with_exp(exp)).dump();
        std::string out;
        REQUIRE(fast.append(line, out));
        CHECK(out == general_path(line, options));
    }
    std::string out;
    REQUIRE(fast.append(intercom_incoming(audio_json_with_exp(123456789012345678LL)).dump(), out));
    CHECK(out.find(R"("expires_at":"123456789012345678")") != std::string::npos);
}

TEST_CASE("fast stream: leaves what it cannot write identically to decode()") {
    const auto options = with_key();
    push::IntercomFastPath fast(options);
    const std::string good = intercom_incoming().dump();
    const std::string head = good.substr(0, good.size() - 1);
    for (const std::string& line : {
             head + R"(,"f":1.5})", head + R"(,"e":1e2})", head + R"(,"z":-0})", head + R"(,"big":1234567890123456789})",
             head + R"(,"u":"\u00e9"})", head + R"(,"s":"a\/b"})", head + R"(,"type":"Call.Incoming"})",
             head + R"(,"j":"{\"a\":1}"})", head + ",\"bad\":\"\xff\"}", head + "x", std::string("[1]"), std::string("{}"),
             std::string(R"({"message":{"data":)") + good + "}}", std::string(R"({"type":"Call.Incoming","iotDeviceId":1.5})"),
             std::string(R"({"type":"Call.Incoming","iotDeviceId":"d","video":{"url":"u"}})"),
             std::string(R"({"type":"Call.Incoming","iotDeviceId":"d","video":"AAAA"})")}) {
        CAPTURE(line);
        std::string out = "kept";
        CHECK_FALSE(fast.append(line, out));
        CHECK(out == "kept");
    }
}

TEST_CASE("fast stream: a string's escapes and UTF-8 at every offset of the eight-byte scan") {
    // Strings are scanned eight bytes at a time while all eight are plain
    // ASCII: whatever breaks a run must be seen at each position in it. (The
    // value starts with '_': one starting with a backslash may be JSON text,
    // which the fast path leaves to decode().)
    const auto options = with_key();
    push::IntercomFastPath fast(options);
    const std::string good = intercom_incoming().dump();
    const std::string head = good.substr(0, good.size() - 1);
    const std::string run = "abcdefghijklmnopqrstuvwx";  // 24 plain bytes: three whole words
    for (std::size_t at = 0; at <= run.size(); ++at) {
        CAPTURE(at);
        for (const std::string& kept : {std::string("\\\""), std::string("\\\\"), std::string("\\n"),
                                        std::string("\xc3\xa9"), std::string("\xe2\x82\xac"),
                                        std::string("\xf0\x9f\x93\x9e")}) {
            const std::string line = head + R"(,"s":"_)" + run.substr(0, at) + kept + run.substr(at) + "\"}";
            std::string out;
            REQUIRE(fast.append(line, out));
            CHECK(out == general_path(line, options));
        }
        for (const std::string& left : {std::string("\x01"), std::string("\x1f"), std::string("\xff"),
                                        std::string("\xc3"), std::string("\\u00e9")}) {
            const std::string line = head + R"(,"s":"_)" + run.substr(0, at) + left + run.substr(at) + "\"}";
            std::string out = "kept";
            CHECK_FALSE(fast.append(line, out));
            CHECK(out == "kept");
        }
    }
}

TEST_CASE("fast stream: off without a key, for another vendor, or with --extract") {
    push::DecodeOptions no_key;
    push::DecodeOptions kaleyra = with_key();
    kaleyra.vendor = push::Vendor::kaleyra;
    push::DecodeOptions extract = with_key();
    extract.extract = push::Extract::fcm;
    for (const auto* options : {&no_key, &kaleyra, &extract}) {
        push::IntercomFastPath fast(*options);
        std::string out;
        CHECK_FALSE(fast.append(intercom_incoming().dump(), out));
        CHECK(out.empty());
    }
}
