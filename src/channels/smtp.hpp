// Email over SMTP with libcurl: STARTTLS (smtp://, upgraded when offered; required with
// ?tls=required) or SMTPS (smtps://). MIME multipart text + HTML, List-Unsubscribe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "channels/channel.hpp"

namespace ca::channels {

struct SmtpConfig {
  std::string url;   // SMTP_URL, e.g. smtp://user:pass@email-smtp.eu-west-1.amazonaws.com:587
  std::string from;  // EMAIL_FROM, "Name <addr@example.com>" or an address
  std::chrono::milliseconds timeout{15000};
};

std::unique_ptr<MessageChannel> make_smtp_channel(const SmtpConfig& config);

}  // namespace ca::channels
