// decode-push --stream's hot path; what it takes and what it leaves to decode() is in
// callctl/push/fast_stream.hpp. Its output must equal decode()'s normalised object dumped compact
// (tests/e2e/test_push_stream_golden.py holds it to that over a generated corpus).
#include "callctl/push/fast_stream.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

#include "callctl/crypto/crypto.hpp"
#include "callctl/util/time.hpp"

namespace callctl::push {

namespace {

enum class Kind : unsigned char { object, array, string, integer, literal };

// One member of an object the copier was asked to describe (a root object).
struct Member {
    std::string_view key;            // as written between the quotes
    std::size_t key_begin = 0;       // output offset of `"key":value`
    std::size_t value_begin = 0;     // output offsets of the value
    std::size_t value_end = 0;
    Kind kind = Kind::literal;
    bool null = false;
    std::string_view text;           // a string value as written between the quotes
    bool escaped = false;            // that string holds a backslash escape
};

// Deeper than this, the general path decides (its limit, 256, makes the error).
constexpr int max_depth = 200;
// The duplicate-key check is quadratic in an object's size: larger objects go
// the general way.
constexpr std::size_t max_keys = 64;

// Byte classes inside a JSON string: 0 plain ASCII, 1 '"', 2 '\\', 3 a control
// character (invalid raw), 4 the lead of a multi-byte UTF-8 sequence.
constexpr std::array<std::uint8_t, 256> make_string_classes() {
    std::array<std::uint8_t, 256> classes{};
    for (int c = 0; c < 0x20; ++c) classes[static_cast<std::size_t>(c)] = 3;
    for (int c = 0x80; c < 0x100; ++c) classes[static_cast<std::size_t>(c)] = 4;
    classes['"'] = 1;
    classes['\\'] = 2;
    return classes;
}
constexpr auto string_classes = make_string_classes();

unsigned char byte(char c) { return static_cast<unsigned char>(c); }

// The first byte at or after p that is not plain ASCII inside a string (class
// 0 above), eight bytes at a time while all eight are: a push's strings are
// mostly long base64 runs (copying a push's JSON took 20 k instructions byte
// by byte, 14 k this way).
const char* skip_plain(const char* p, const char* end) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    while (end - p >= 8) {
        std::uint64_t x;
        std::memcpy(&x, p, sizeof x);
        const std::uint64_t quote = x ^ (ones * 0x22);      // '"' in every byte
        const std::uint64_t backslash = x ^ (ones * 0x5C);  // '\\' in every byte
        // (v - ones) & ~v has a high bit set exactly when v has a zero byte;
        // x - 0x20 per byte, when one is below 0x20; x itself, when one is 0x80 or above.
        const std::uint64_t special =
            ((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | x;
        if ((special & highs) != 0) break;
        p += 8;
    }
    while (p < end && string_classes[byte(*p)] == 0) ++p;
    return p;
}

bool in(unsigned char c, unsigned char low, unsigned char high) { return c >= low && c <= high; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs, no
// surrogates, nothing past U+10FFFF), or 0. nlohmann's lexer accepts exactly these.
std::size_t utf8_sequence(const char* p, const char* end) {
    const unsigned char lead = byte(*p);
    const auto left = static_cast<std::size_t>(end - p);
    auto cont = [&](std::size_t i) { return i < left && in(byte(p[i]), 0x80, 0xBF); };
    if (in(lead, 0xC2, 0xDF)) return cont(1) ? 2 : 0;
    if (lead == 0xE0) return left > 2 && in(byte(p[1]), 0xA0, 0xBF) && cont(2) ? 3 : 0;
    if (in(lead, 0xE1, 0xEC) || lead == 0xEE || lead == 0xEF) return cont(1) && cont(2) ? 3 : 0;
    if (lead == 0xED) return left > 2 && in(byte(p[1]), 0x80, 0x9F) && cont(2) ? 3 : 0;
    if (lead == 0xF0) return left > 3 && in(byte(p[1]), 0x90, 0xBF) && cont(2) && cont(3) ? 4 : 0;
    if (in(lead, 0xF1, 0xF3)) return cont(1) && cont(2) && cont(3) ? 4 : 0;
    if (lead == 0xF4) return left > 3 && in(byte(p[1]), 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    return 0;
}

// Copies one JSON document into `out` in the form nlohmann's dump(-1) gives
// it after parsing, or fails when that form would differ from what is written
// (see the header) or the text is not JSON.
class Copier {
public:
    explicit Copier(std::vector<std::string_view>& keys) : keys_(keys) {}

    // `members`: the root object's members, when the root is an object.
    bool document(std::string_view text, std::string& out, std::vector<Member>* members, Kind& root) {
        p_ = text.data();
        end_ = text.data() + text.size();
        out_ = &out;
        keys_.clear();
        skip_space();
        Member scratch;
        if (!value(0, members, scratch)) return false;
        root = scratch.kind;
        skip_space();
        return p_ == end_;
    }

private:
    void skip_space() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
    }

    bool literal(std::string_view word) {
        if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
        out_->append(word);
        p_ += word.size();
        return true;
    }

    bool value(int depth, std::vector<Member>* members, Member& member) {
        if (p_ >= end_) return false;
        switch (*p_) {
        case '{': member.kind = Kind::object; return depth < max_depth && object(depth + 1, members);
        case '[': member.kind = Kind::array; return depth < max_depth && array(depth + 1);
        case '"': member.kind = Kind::string; return string(member.text, member.escaped);
        case 't': member.kind = Kind::literal; return literal("true");
        case 'f': member.kind = Kind::literal; return literal("false");
        case 'n': member.kind = Kind::literal; member.null = true; return literal("null");
        default: member.kind = Kind::integer; return integer();
        }
    }

    // Escapes that dump() writes back the same way stay as written; \u and \/
    // would come out differently.
    bool string(std::string_view& text, bool& escaped) {
        const char* start = ++p_;
        escaped = false;
        for (;;) {
            p_ = skip_plain(p_, end_);
            if (p_ >= end_) return false;
            switch (string_classes[byte(*p_)]) {
            case 1:
                text = std::string_view(start, static_cast<std::size_t>(p_ - start));
                out_->push_back('"');
                out_->append(text);
                out_->push_back('"');
                ++p_;
                return true;
            case 2: {
                if (end_ - p_ < 2) return false;
                const char c = p_[1];
                if (c != '"' && c != '\\' && c != 'b' && c != 'f' && c != 'n' && c != 'r' && c != 't') return false;
                escaped = true;
                p_ += 2;
                break;
            }
            case 3: return false;
            default: {
                const std::size_t length = utf8_sequence(p_, end_);
                if (length == 0) return false;
                p_ += length;
            }
            }
        }
    }

    // Integers of up to 18 digits come back as written; "-0", longer ones
    // (they may become floating point) and fractions or exponents would not.
    bool integer() {
        const char* start = p_;
        const bool negative = *p_ == '-';
        if (negative) ++p_;
        if (p_ >= end_ || !is_digit(*p_)) return false;
        if (*p_ == '0') {
            ++p_;
            if (negative || (p_ < end_ && is_digit(*p_))) return false;
        } else {
            while (p_ < end_ && is_digit(*p_)) ++p_;
        }
        if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
        if (p_ - start - (negative ? 1 : 0) > 18) return false;
        out_->append(start, p_);
        return true;
    }

    // After a member or an element: a ',' (more follow) or `close` (closed),
    // copied; anything else fails.
    bool comma_or_close(char close, bool& closed) {
        skip_space();
        if (p_ >= end_ || (*p_ != ',' && *p_ != close)) return false;
        closed = *p_ == close;
        out_->push_back(*p_++);
        skip_space();
        return true;
    }

    bool object(int depth, std::vector<Member>* members) {
        ++p_;
        out_->push_back('{');
        skip_space();
        if (p_ < end_ && *p_ == '}') {
            ++p_;
            out_->push_back('}');
            return true;
        }
        const std::size_t first_key = keys_.size();
        for (;;) {
            if (p_ >= end_ || *p_ != '"') return false;
            Member member;
            member.key_begin = out_->size();
            bool key_escaped = false;
            if (!string(member.key, key_escaped)) return false;
            // Written keys compare as the parsed ones do: every escape allowed
            // here has one spelling. A duplicate would be merged by the parse.
            for (std::size_t i = first_key; i < keys_.size(); ++i) {
                if (keys_[i] == member.key) return false;
            }
            if (keys_.size() - first_key >= max_keys) return false;
            keys_.push_back(member.key);
            skip_space();
            if (p_ >= end_ || *p_ != ':') return false;
            ++p_;
            out_->push_back(':');
            skip_space();
            member.value_begin = out_->size();
            if (!value(depth, nullptr, member)) return false;
            member.value_end = out_->size();
            if (members != nullptr) members->push_back(member);
            bool closed = false;
            if (!comma_or_close('}', closed)) return false;
            if (closed) {
                keys_.resize(first_key);
                return true;
            }
        }
    }

    bool array(int depth) {
        ++p_;
        out_->push_back('[');
        skip_space();
        if (p_ < end_ && *p_ == ']') {
            ++p_;
            out_->push_back(']');
            return true;
        }
        for (;;) {
            Member element;
            if (!value(depth, nullptr, element)) return false;
            bool closed = false;
            if (!comma_or_close(']', closed)) return false;
            if (closed) return true;
        }
    }

    std::vector<std::string_view>& keys_;
    const char* p_ = nullptr;
    const char* end_ = nullptr;
    std::string* out_ = nullptr;
};

const Member* find(const std::vector<Member>& members, std::string_view key) {
    for (const auto& member : members) {
        if (member.key == key) return &member;
    }
    return nullptr;
}

std::string_view value_of(const std::string& out, const Member& member) {
    return std::string_view(out).substr(member.value_begin, member.value_end - member.value_begin);
}

// unwrap() parses a string member whose text starts (after whitespace) like
// an object or array; such a push is left to it.
bool might_be_json_text(std::string_view text) {
    return !text.empty() && (text[0] == ' ' || text[0] == '\\' || text[0] == '{' || text[0] == '[');
}

}  // namespace

struct IntercomFastPath::Scratch {
    std::vector<std::string_view> keys;
    std::vector<Member> push;  // the push's members
    std::vector<Member> plain;  // a decrypted field's members
    std::vector<Member> claims;
    std::string canonical;  // the push's members, compact
    std::string blob;       // a field's base64 decoded
    std::string plaintext;  // a field decrypted
    std::string video;      // the decrypted fields, compact
    std::string audio;
    std::string part;       // a JWT part base64url-decoded
    std::string jwt;        // the "jwt" member's value
};

IntercomFastPath::IntercomFastPath(const DecodeOptions& options)
    : options_(options),
      usable_(options.key && options.key->size() == crypto::aes_key_size &&
              (options.vendor == Vendor::auto_detect || options.vendor == Vendor::intercom) &&
              options.extract == Extract::none && !options.signature_header && !options.signature_secret),
      // decode_intercom's expression, so `expired` agrees to the last bit.
      now_seconds_(std::chrono::duration<double>(options.now.time_since_epoch()).count()),
      scratch_(std::make_unique<Scratch>()) {}

IntercomFastPath::~IntercomFastPath() = default;

namespace {

// A sealed credential decrypted and copied compact into `dest`; false unless
// it is a JSON object (decode_intercom's check).
bool open_field(const Member& field, std::string_view key, IntercomFastPath::Scratch& s, std::string& dest,
                std::vector<Member>& members) {
    if (field.kind != Kind::string || field.escaped) return false;
    if (!crypto::open_into(key, field.text, s.blob, s.plaintext)) return false;
    dest.clear();
    members.clear();
    Copier copier(s.keys);
    Kind root = Kind::literal;
    return copier.document(s.plaintext, dest, &members, root) && root == Kind::object;
}

// One JWT part: base64url, then a JSON object, copied compact onto `dest`.
bool jwt_part(std::string_view part, IntercomFastPath::Scratch& s, std::string& dest, std::vector<Member>* members) {
    if (!crypto::base64_decode_into(part, s.part)) return false;
    Copier copier(s.keys);
    Kind root = Kind::literal;
    return copier.document(s.part, dest, members, root) && root == Kind::object;
}

}  // namespace

bool IntercomFastPath::append(std::string_view line, std::string& out) {
    if (!usable_) return false;
    Scratch& s = *scratch_;
    s.push.clear();
    s.canonical.clear();
    Kind root = Kind::literal;
    if (!Copier(s.keys).document(line, s.canonical, &s.push, root) || root != Kind::object) return false;

    const Member* type = nullptr;
    const Member* device = nullptr;
    const Member* call = nullptr;
    const Member* video = nullptr;
    const Member* audio = nullptr;
    for (const auto& member : s.push) {
        if (member.kind == Kind::string && might_be_json_text(member.text)) return false;
        if (member.key == "type") type = &member;
        else if (member.key == "iotDeviceId") device = &member;
        else if (member.key == "callId") call = &member;
        else if (member.key == "video") video = &member;
        else if (member.key == "audio") audio = &member;
    }
    // is_intercom, and decode_intercom's own checks.
    if (type == nullptr || type->kind != Kind::string || type->text.substr(0, 5) != "Call.") return false;
    if (device == nullptr || (device->kind != Kind::string && device->kind != Kind::integer)) return false;
    if (video != nullptr && video->null) video = nullptr;
    if (audio != nullptr && audio->null) audio = nullptr;

    const std::string_view key = *options_.key;
    if (video != nullptr && !open_field(*video, key, s, s.video, s.plain)) return false;
    if (audio != nullptr) {
        if (!open_field(*audio, key, s, s.audio, s.plain)) return false;
        const Member* token = find(s.plain, "jsonWebToken");
        if (token != nullptr && token->kind == Kind::string) {
            // decode_intercom would replace an existing "jwt" in place.
            if (token->escaped || find(s.plain, "jwt") != nullptr) return false;
            const std::string_view jwt = token->text;
            const std::size_t first = jwt.find('.');
            if (first == std::string_view::npos) return false;
            const std::size_t second = jwt.find('.', first + 1);
            if (second == std::string_view::npos || jwt.find('.', second + 1) != std::string_view::npos) return false;
            s.jwt.assign(R"({"verified":false,"header":)");
            if (!jwt_part(jwt.substr(0, first), s, s.jwt, nullptr)) return false;
            s.jwt.append(R"(,"claims":)");
            s.claims.clear();
            if (!jwt_part(jwt.substr(first + 1, second - first - 1), s, s.jwt, &s.claims)) return false;
            if (const Member* exp = find(s.claims, "exp"); exp != nullptr && exp->kind == Kind::integer) {
                const std::string_view digits = value_of(s.jwt, *exp);
                const bool negative = digits[0] == '-';
                long long magnitude = 0;
                for (const char c : digits.substr(negative ? 1 : 0)) magnitude = magnitude * 10 + (c - '0');
                const long long exp_seconds = negative ? -magnitude : magnitude;  // at most 18 digits: no overflow
                const auto expires = static_cast<double>(exp_seconds);
                s.jwt.append(R"(,"expires_at":")");
                s.jwt.append(util::format_iso8601(exp_seconds));
                s.jwt.append(now_seconds_ >= expires ? R"(","expired":true)" : R"(","expired":false)");
            }
            s.jwt.push_back('}');
            s.audio.pop_back();  // the object's '}': "jwt" goes last
            s.audio.append(R"(,"jwt":)").append(s.jwt).push_back('}');
        }
    }

    // Everything checked: write it in the documented key order.
    out.append(R"({"vendor":"intercom","event":)");
    if (type->text == "Call.Incoming") out.append(R"("call.incoming")");
    else if (type->text == "Call.StopIncoming") out.append(R"("call.stop")");
    else out.append(value_of(s.canonical, *type));
    out.append(R"(,"vendor_event":)").append(value_of(s.canonical, *type));
    out.append(R"(,"iot_device_id":)").append(value_of(s.canonical, *device));
    if (call != nullptr) out.append(R"(,"call_id":)").append(value_of(s.canonical, *call));
    if (video != nullptr) out.append(R"(,"video":)").append(s.video);
    if (audio != nullptr) out.append(R"(,"audio":)").append(s.audio);
    bool extra = false;
    for (const auto& member : s.push) {
        const std::string_view name = member.key;
        if (name == "type" || name == "iotDeviceId" || name == "callId" || name == "video" || name == "audio" ||
            name == "aps") {
            continue;  // unwrap drops "aps"
        }
        out.append(extra ? "," : R"(,"extra":{)");
        extra = true;
        out.append(std::string_view(s.canonical).substr(member.key_begin, member.value_end - member.key_begin));
    }
    if (extra) out.push_back('}');
    out.push_back('}');
    return true;
}

}  // namespace callctl::push
