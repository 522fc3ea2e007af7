// Small Beast-free helpers shared by the server and its tests: method names and
// media-type checks. Internal to http/.
#pragma once

#include <string>
#include <string_view>

#include "http/message.hpp"
#include "http/router.hpp"

namespace ca::http {

// "GET" -> Method::get; unknown tokens -> Method::other. Case-sensitive as in RFC 9110.
Method method_from_string(std::string_view name);

// True when `content_type` names `media_type` ("type/subtype"), ignoring case,
// surrounding blanks and parameters such as "; charset=utf-8".
bool media_type_is(std::string_view content_type, std::string_view media_type);

// True when a request body of `content_type` is acceptable for a route expecting `kind`.
bool body_kind_accepts(BodyKind kind, std::string_view content_type);

std::string to_lower(std::string_view s);

}  // namespace ca::http
