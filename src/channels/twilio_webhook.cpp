#include "channels/twilio_webhook.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "channels/encoding.hpp"

namespace ca::channels {

Result<FormParams> parse_form(std::string_view body) {
  FormParams out;
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t amp = body.find('&', pos);
    if (amp == std::string_view::npos) amp = body.size();
    std::string_view pair = body.substr(pos, amp - pos);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string_view k = pair.substr(0, eq);
      std::string_view v = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
      auto key = detail::percent_decode(k, true);
      auto value = detail::percent_decode(v, true);
      if (!key || !value) {
        return Error::invalid("body", "bad percent-encoding in form field " + std::string(k));
      }
      out.emplace_back(std::move(*key), std::move(*value));
    }
    pos = amp + 1;
  }
  return out;
}

std::string twilio_signature(std::string_view auth_token, std::string_view url,
                             const FormParams& params) {
  // Twilio: the full URL, then each POST parameter name immediately followed by its
  // value, sorted by name (values of a repeated name sorted too).
  FormParams sorted = params;
  std::sort(sorted.begin(), sorted.end());
  std::string data(url);
  for (const auto& [k, v] : sorted) {
    data += k;
    data += v;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha1(), auth_token.data(), static_cast<int>(auth_token.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &len);
  return detail::base64(std::string_view(reinterpret_cast<const char*>(mac.data()), len));
}

bool verify_twilio_signature(std::string_view auth_token, std::string_view url,
                             const FormParams& params, std::string_view header_value) {
  if (auth_token.empty() || header_value.empty()) return false;
  std::string expected = twilio_signature(auth_token, url, params);
  if (expected.size() != header_value.size()) return false;
  return CRYPTO_memcmp(expected.data(), header_value.data(), expected.size()) == 0;
}

namespace {

std::string normalize_keyword(std::string_view body) {
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!body.empty() && space(body.front())) body.remove_prefix(1);
  while (!body.empty() && space(body.back())) body.remove_suffix(1);
  std::string s(body);
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// Position in the delivery order; failed is final and ranks with nothing.
int delivery_rank(std::string_view status) {
  if (status == "scheduled") return 0;  // claimed but the send's answer was lost
  if (status == "sending") return 1;
  if (status == "sent") return 2;
  if (status == "delivered") return 3;
  if (status == "read") return 4;
  return -1;
}

}  // namespace

InboundKeyword classify_inbound(std::string_view body) {
  std::string k = normalize_keyword(body);
  for (std::string_view stop :
       {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}) {
    if (k == stop) return InboundKeyword::stop;
  }
  if (k == "START") return InboundKeyword::start;
  return InboundKeyword::none;
}

std::optional<std::string> action_status_for(std::string_view s) {
  if (s == "sent") return "sent";
  if (s == "delivered") return "delivered";
  if (s == "read") return "read";
  if (s == "failed" || s == "undelivered" || s == "canceled") return "failed";
  return std::nullopt;  // queued, accepted, scheduled, sending, receiving, received, ...
}

bool status_moves_forward(std::string_view from, std::string_view to) {
  int f = delivery_rank(from);
  if (f < 0) return false;  // failed, skipped, cancelled, rejected, ...: final
  // A failure can only overtake a message not yet known to have arrived.
  if (to == "failed" || to == "undelivered") return f <= delivery_rank("sent");
  int t = delivery_rank(to);
  return t > f && t >= delivery_rank("sent");
}

}  // namespace ca::channels
