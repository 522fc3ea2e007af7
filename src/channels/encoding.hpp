// Small text codecs shared by the channels (internal to channels/): form and percent
// encoding, Base64, RFC 2047 header words.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ca::channels::detail {

// application/x-www-form-urlencoded / RFC 3986: everything but ALPHA DIGIT - . _ ~ as %XX.
std::string percent_encode(std::string_view s);
// %XX → byte; with `plus_is_space`, '+' → ' ' (form bodies). nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

std::string base64(std::string_view bytes);
// Base64 in lines of at most 76 characters, each ended by CRLF (MIME bodies).
std::string base64_lines(std::string_view bytes);

bool is_ascii(std::string_view s);
// RFC 2047 "=?UTF-8?B?...?=" encoded words for non-ASCII header text; ASCII as is.
std::string encode_header_words(std::string_view text);

}  // namespace ca::channels::detail
