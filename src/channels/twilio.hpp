// WhatsApp through Twilio's Messages API (form-encoded POST, Basic auth).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "channels/channel.hpp"

namespace ca::net {
class HttpClient;
}

namespace ca::channels {

struct TwilioConfig {
  std::string api_base_url = "https://api.twilio.com";  // TWILIO_API_BASE_URL
  std::string account_sid;                              // TWILIO_ACCOUNT_SID
  std::string auth_token;                               // TWILIO_AUTH_TOKEN
  std::string from;  // TWILIO_WHATSAPP_FROM, E.164; sent as "whatsapp:+1..."
  std::chrono::milliseconds timeout{10000};
};

// For a Twilio error code that means the recipient address itself cannot be messaged
// (invalid or non-mobile number, not on WhatsApp, unknown or landline destination,
// unsubscribed), the suppression reason ("twilio error 21211"); otherwise empty. Codes that
// may pass (unreachable handset, carrier filtering, outside the 24-hour window) are not in it.
std::string twilio_recipient_refusal(std::string_view error_code);

// `http` is not owned; null → the channel owns a CurlHttpClient.
std::unique_ptr<MessageChannel> make_twilio_channel(const TwilioConfig& config,
                                                    net::HttpClient* http = nullptr);

}  // namespace ca::channels
