// JUnit XML for `callctl run --junit FILE`, the format CI systems (GitLab,
// Jenkins, GitHub actions that read test reports) show step by step.
#include <cstdint>

#include <fmt/format.h>

#include "callctl/flow/runner.hpp"

namespace callctl::flow {

namespace {

constexpr std::string_view replacement = "\xef\xbf\xbd";  // U+FFFD

// Length of the valid UTF-8 sequence at text[i] (a character XML allows), or 0.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2, code = lead & 0x1fu;
    else if (lead >= 0xe0 && lead <= 0xef) length = 3, code = lead & 0x0fu;
    else if (lead >= 0xf0 && lead <= 0xf4) length = 4, code = lead & 0x07u;
    else return 0;
    if (i + length > text.size()) return 0;
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xc0u) != 0x80u) return 0;
        code = (code << 6) | (byte(i + k) & 0x3fu);
    }
    const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
    const bool surrogate = code >= 0xd800 && code <= 0xdfff;
    if (overlong || surrogate || code > 0x10ffff || code == 0xfffe || code == 0xffff) return 0;
    return length;
}

std::string seconds(double value) { return fmt::format("{:.3f}", value); }

}  // namespace

std::string xml_escape(std::string_view text, bool attribute) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const auto byte = static_cast<unsigned char>(c);
        switch (c) {
        case '&': out += "&amp;"; continue;
        case '<': out += "&lt;"; continue;
        case '>': out += "&gt;"; continue;
        case '"': out += attribute ? "&quot;" : "\""; continue;
        case '\'': out += attribute ? "&apos;" : "'"; continue;
        case '\n': out += attribute ? "&#10;" : "\n"; continue;
        case '\r': out += attribute ? "&#13;" : "\r"; continue;
        case '\t': out += attribute ? "&#9;" : "\t"; continue;
        default: break;
        }
        if (byte < 0x20 || byte == 0x7f) {
            out += fmt::format("\\u{:04x}", byte);  // not even &#27; is legal XML 1.0
        } else if (byte < 0x80) {
            out += c;
        } else if (const std::size_t length = utf8_sequence(text, i); length > 0) {
            out.append(text.substr(i, length));
            i += length - 1;
        } else {
            out += replacement;
        }
    }
    return out;
}

std::string render_junit(const std::string& suite_name, const FlowReport& report) {
    const std::string suite = xml_escape(suite_name, true);
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    xml += fmt::format("<testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{}\">\n", suite,
                       report.steps.size(), report.failures(), report.skipped(), seconds(report.time_s));
    for (const auto& step : report.steps) {
        xml += fmt::format("  <testcase classname=\"{}\" name=\"{}\" time=\"{}\"", suite, xml_escape(step.name, true),
                           seconds(step.time_s));
        if (step.ok) {
            xml += "/>\n";
            continue;
        }
        xml += ">\n";
        if (step.skipped) {
            xml += fmt::format("    <skipped message=\"{}\"/>\n", xml_escape(step.message, true));
        } else {
            std::string body = step.message + "\n";
            if (!step.stderr_text.empty()) body += "\nstderr:\n" + step.stderr_text + (step.stderr_text.back() == '\n' ? "" : "\n");
            xml += fmt::format("    <failure message=\"{}\" type=\"expectation\">{}</failure>\n", xml_escape(step.message, true),
                               xml_escape(body, false));
        }
        xml += "  </testcase>\n";
    }
    xml += "</testsuite>\n";
    return xml;
}

}  // namespace callctl::flow
