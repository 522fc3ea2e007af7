// The RFC 5322 / MIME message the SMTP channel sends (internal to channels/): pure, so
// the exact bytes can be tested without a server.
#pragma once

#include <string>
#include <string_view>

#include "channels/channel.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"

namespace ca::channels::detail {

struct Mailbox {
  std::string display_name;  // may be empty
  std::string address;       // local@domain
};

// "Name <addr@example.com>", "<addr@example.com>" or "addr@example.com".
Result<Mailbox> parse_mailbox(std::string_view text);
bool is_plain_address(std::string_view address);

// Text → HTML: every character escaped, blank lines → paragraphs, newlines → <br>.
std::string html_from_text(std::string_view text);

struct MimeMessage {
  std::string bytes;       // headers + body, CRLF line ends
  std::string message_id;  // "<...>", also the provider message id
};

// multipart/alternative (text/plain + text/html, UTF-8, Base64), List-Unsubscribe.
Result<MimeMessage> build_mime(const OutboundMessage& message, const Mailbox& from, Timestamp now);

}  // namespace ca::channels::detail
