// Email over SMTP with libcurl: STARTTLS (smtp://, upgraded when offered; required with
// ?tls=required) or SMTPS (smtps://). MIME multipart text + HTML, List-Unsubscribe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "channels/channel.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"

namespace ca::channels {

struct SmtpConfig {
  std::string url;   // SMTP_URL, e.g. smtp://user:pass@email-smtp.eu-west-1.amazonaws.com:587
  std::string from;  // EMAIL_FROM, "Name <addr@example.com>" or an address
  std::chrono::milliseconds timeout{15000};
  const Clock* clock = nullptr;  // Date header; null → the system clock. Not owned.
  std::string ca_file{};         // PEM CA bundle to trust instead of the system store
};

// Whether url and from are usable (scheme smtp/smtps, host, percent-encoding of the
// userinfo, known query keys, a From address); invalid_argument naming SMTP_URL or
// EMAIL_FROM otherwise. A channel built from a bad config fails every send.
Result<void> check_smtp_config(const SmtpConfig& config);

std::unique_ptr<MessageChannel> make_smtp_channel(const SmtpConfig& config);

}  // namespace ca::channels
