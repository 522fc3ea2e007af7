// WhatsApp through Twilio's Messages API (form-encoded POST, Basic auth).
#pragma once

#include <chrono>
#include <memory>
#include <string>

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

// `http` is not owned; null → the channel owns a CurlHttpClient.
std::unique_ptr<MessageChannel> make_twilio_channel(const TwilioConfig& config,
                                                    net::HttpClient* http = nullptr);

}  // namespace ca::channels
