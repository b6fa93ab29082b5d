// Phone utilities of the Enhanced-WebRTC SDK (protocols.md §1), offline:
// cleanPhoneNumber and getCallerInfo.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "callctl/error.hpp"

namespace callctl::api {

// The dialable form: input with '@' (an address) and the service codes 911,
// 411, 611, *69, #89 come back unchanged (trimmed); otherwise digits are kept,
// letters become keypad digits and everything else is dropped:
// "+1 (123) 123 1234" -> "11231231234", "1800CALFEDX" -> "18002253339".
std::string clean_phone_number(std::string_view number);

// "sip:+1111@icmn.api.att.com:5060;transport=tcp" ->
// {"protocol":"sip","callerId":"+1111","domain":"icmn.api.att.com","port":5060,"transport":"tcp"}.
// protocol and domain are null when absent; port only when given; each
// ";k=v" parameter becomes a key (";lr" gives "lr": ""), never replacing the
// core keys. An empty URI, or a port that is not a number, is bad_input.
Result<nlohmann::ordered_json> caller_info(std::string_view uri);

}  // namespace callctl::api
