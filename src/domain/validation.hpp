// Shape checks for values that arrive from clients. Pure functions, no I/O
// (time zones are looked up in the OS tz database, which is read-only data).
#pragma once

#include <string>
#include <string_view>

namespace ca {

// local@domain.tld: one '@', no spaces or control characters, a dotted domain, <= 254 bytes.
bool is_email(std::string_view s);
// The stored form of an email: lowercased, so one person is one consumer row however the
// address was typed (domains are case-insensitive, and in practice so are local parts).
std::string normalize_email(std::string s);
// E.164: '+', a non-zero digit, 7 to 15 digits in all.
bool is_e164(std::string_view s);
// A zone the IANA database knows ("Asia/Kolkata", "UTC").
bool is_timezone(std::string_view s);
// Valid UTF-8 without control characters other than tab/newline.
bool is_clean_text(std::string_view s);
// An absolute http(s) URL without spaces.
bool is_http_url(std::string_view s);

}  // namespace ca
