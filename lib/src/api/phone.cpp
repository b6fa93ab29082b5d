#include "callctl/api/phone.hpp"

#include <array>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "callctl/util/strings.hpp"

namespace callctl::api {

using nlohmann::ordered_json;

namespace {

// The codes the SDK leaves alone: emergency, directory, repair, last-call
// return and a carrier short code.
constexpr std::array<std::string_view, 5> service_codes{"911", "411", "611", "*69", "#89"};

char keypad_digit(char letter) {
    // abc2 def3 ghi4 jkl5 mno6 pqrs7 tuv8 wxyz9
    static constexpr std::string_view keypad = "22233344455566677778889999";
    return keypad[static_cast<std::size_t>(std::tolower(static_cast<unsigned char>(letter)) - 'a')];
}

}  // namespace

std::string clean_phone_number(std::string_view number) {
    const std::string_view trimmed = util::trim(number);
    if (trimmed.find('@') != std::string_view::npos) return std::string(trimmed);
    for (const auto code : service_codes) {
        if (trimmed == code) return std::string(trimmed);
    }
    std::string digits;
    for (const char c : trimmed) {
        if (c >= '0' && c <= '9') digits += c;
        else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) digits += keypad_digit(c);
    }
    return digits;
}

Result<ordered_json> caller_info(std::string_view uri) {
    const std::string_view text = util::trim(uri);
    if (text.empty()) return make_error(ExitCode::bad_input, "an empty caller URI");

    // Parameters follow the first ';' after the host part.
    const auto at = text.find('@');
    const auto semicolon = text.find(';', at == std::string_view::npos ? 0 : at);
    const std::string_view address = text.substr(0, semicolon);
    const std::string_view parameters = semicolon == std::string_view::npos ? std::string_view{} : text.substr(semicolon + 1);

    ordered_json info = ordered_json::object();
    std::string_view user = address;
    std::string_view host;
    const auto address_at = address.find('@');
    if (address_at != std::string_view::npos) {
        user = address.substr(0, address_at);
        host = address.substr(address_at + 1);
    }
    // "sip:+1111" / "tel:+1111"; a colon inside the user part of a bare
    // number is not expected, so the first one ends the scheme.
    const auto colon = user.find(':');
    if (colon != std::string_view::npos) {
        info["protocol"] = std::string(user.substr(0, colon));
        user = user.substr(colon + 1);
    } else {
        info["protocol"] = nullptr;
    }
    info["callerId"] = std::string(user);
    info["domain"] = nullptr;
    if (address_at != std::string_view::npos) {
        const auto port_colon = host.rfind(':');
        const bool bracketed_ipv6 = !host.empty() && host.back() == ']';
        if (port_colon != std::string_view::npos && !bracketed_ipv6) {
            const std::string_view port_text = host.substr(port_colon + 1);
            int port = 0;
            const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
            if (ec != std::errc{} || end != port_text.data() + port_text.size() || port <= 0 || port > 65535) {
                return make_error(ExitCode::bad_input, fmt::format("'{}': the port '{}' is not a number from 1 to 65535", text, port_text));
            }
            info["domain"] = std::string(host.substr(0, port_colon));
            info["port"] = port;
        } else {
            info["domain"] = std::string(host);
        }
    }
    for (const auto& parameter : util::split(parameters, ';')) {
        if (util::trim(parameter).empty()) continue;
        const auto equals = parameter.find('=');
        const std::string key(util::trim(std::string_view(parameter).substr(0, equals)));
        const std::string value = equals == std::string::npos ? "" : parameter.substr(equals + 1);
        if (key.empty() || info.contains(key)) continue;  // the SDK's own keys win
        info[key] = value;
    }
    return info;
}

}  // namespace callctl::api
