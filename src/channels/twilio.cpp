// WhatsApp via Twilio's Messages API. What each answer means for the action:
//   201/200 {sid,status}          accepted
//   transport, request not sent   retryable (nothing reached Twilio)
//   transport, maybe sent         unknown   (a timeout after the POST went out: resending
//                                            could deliver twice; the callback reconciles)
//   429, 5xx                      retryable, honouring Retry-After
//   401, 403                      failed    (credentials or account: configuration)
//   other 4xx                     failed    with Twilio's error code and message; a code
//                                            that rules out the number itself also marks
//                                            the recipient refused (suppressed)
// The auth token and the message text never reach a log line or an error string.
#include "channels/twilio.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "channels/encoding.hpp"
#include "net/http_client.hpp"

namespace ca::channels {
namespace {

using detail::percent_encode;

std::string whatsapp_address(std::string_view number) {
  if (number.rfind("whatsapp:", 0) == 0) return std::string(number);
  return "whatsapp:" + std::string(number);
}

void add_field(std::string& body, std::string_view key, std::string_view value) {
  if (!body.empty()) body += '&';
  body += percent_encode(key);
  body += '=';
  body += percent_encode(value);
}

std::optional<std::string_view> header(const net::HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

constexpr long long kMaxRetryAfterSeconds = 24LL * 3600;

// Retry-After in delta-seconds (what Twilio sends); an HTTP-date is left to the caller's
// backoff.
std::optional<std::chrono::seconds> retry_after(const net::HttpResponse& r) {
  auto v = header(r, "retry-after");
  if (!v || v->empty()) return std::nullopt;
  long long secs = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), secs);
  if (ec != std::errc{} || end != v->data() + v->size() || secs < 0) return std::nullopt;
  return std::chrono::seconds{std::min<long long>(secs, kMaxRetryAfterSeconds)};
}

// Twilio error bodies: {"code":21211,"message":"...","more_info":"...","status":400}.
struct TwilioError {
  std::string code;  // empty when the body has none
  std::string description;
};

TwilioError describe_error(const net::HttpResponse& r) {
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  std::string code;
  std::string message;
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    if (const auto* c = o.if_contains("code"); c != nullptr && c->is_int64()) {
      code = std::to_string(c->as_int64());
    }
    if (const auto* m = o.if_contains("message"); m != nullptr && m->is_string()) {
      message = std::string(m->as_string()).substr(0, 300);
    }
  }
  if (code.empty()) return {code, fmt::format("twilio HTTP {}", r.status)};
  return {code, fmt::format("twilio HTTP {} error {}: {}", r.status, code, message)};
}

class TwilioChannel final : public MessageChannel {
 public:
  TwilioChannel(TwilioConfig config, net::HttpClient* http)
      : config_(std::move(config)), http_(http) {
    if (http_ == nullptr) {
      owned_ = std::make_unique<net::CurlHttpClient>();
      http_ = owned_.get();
    }
    std::string base = config_.api_base_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    url_ = base + "/2010-04-01/Accounts/" + percent_encode(config_.account_sid) + "/Messages.json";
    auth_ = "Basic " + detail::base64(config_.account_sid + ":" + config_.auth_token);
  }

  std::string_view name() const override { return "whatsapp_twilio"; }

  SendResult send(const OutboundMessage& m) override {
    SendResult result;
    if (m.channel != Channel::whatsapp) {
      result.error = "whatsapp_twilio only sends WhatsApp messages";
      return result;
    }
    net::HttpRequest req;
    req.url = url_;
    req.timeout = config_.timeout;
    req.headers = {{"Authorization", auth_},
                   {"Content-Type", "application/x-www-form-urlencoded"},
                   {"Accept", "application/json"}};
    add_field(req.body, "To", whatsapp_address(m.to));
    add_field(req.body, "From", whatsapp_address(config_.from));
    if (m.content_sid) {
      add_field(req.body, "ContentSid", *m.content_sid);
      add_field(req.body, "ContentVariables",
                m.content_variables_json.empty() ? "{}" : m.content_variables_json);
    } else {
      add_field(req.body, "Body", m.text);
    }
    if (!m.status_callback_url.empty()) {
      add_field(req.body, "StatusCallback", m.status_callback_url);
    }

    auto response = http_->post(req);
    if (!response) {
      const auto& e = response.error();
      if (net::transport_failure(e) == net::TransportFailure::maybe_sent) {
        result.outcome = SendOutcome::unknown;
        result.error = "twilio: no answer after the request was sent: " + e.message;
      } else {
        result.outcome = SendOutcome::retryable;
        result.error = "twilio: request not sent: " + e.message;
      }
      spdlog::warn("twilio send action {}: {}", m.action_id, result.error);
      return result;
    }
    return interpret(m, *response);
  }

 private:
  static SendResult interpret(const OutboundMessage& m, const net::HttpResponse& r) {
    SendResult result;
    if (r.status >= 200 && r.status < 300) {
      boost::system::error_code ec;
      auto v = boost::json::parse(r.body, ec);
      const boost::json::object* o = !ec && v.is_object() ? &v.as_object() : nullptr;
      const auto* sid = o != nullptr ? o->if_contains("sid") : nullptr;
      if (sid == nullptr || !sid->is_string() || sid->as_string().empty()) {
        // Twilio took it but we cannot tell which message it is: never resend.
        result.outcome = SendOutcome::unknown;
        result.error = fmt::format("twilio HTTP {} without a message sid", r.status);
        spdlog::warn("twilio send action {}: {}", m.action_id, result.error);
        return result;
      }
      result.outcome = SendOutcome::accepted;
      result.provider_message_id = std::string(sid->as_string());
      const auto* status = o->if_contains("status");
      result.provider_status =
          status != nullptr && status->is_string() ? std::string(status->as_string()) : "queued";
      spdlog::info("twilio send action {}: accepted as {} ({})", m.action_id,
                   result.provider_message_id, result.provider_status);
      return result;
    }
    const TwilioError error = describe_error(r);
    result.error = error.description;
    if (r.status == 429 || r.status >= 500) {
      result.outcome = SendOutcome::retryable;
      result.retry_after = retry_after(r);
    } else if (r.status == 401 || r.status == 403) {
      result.outcome = SendOutcome::failed;
      result.error += " (check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)";
    } else {
      result.outcome = SendOutcome::failed;
      result.recipient_refused = twilio_recipient_refusal(error.code);
    }
    spdlog::warn("twilio send action {}: {}", m.action_id, result.error);
    return result;
  }

  TwilioConfig config_;
  net::HttpClient* http_;
  std::unique_ptr<net::HttpClient> owned_;
  std::string url_;
  std::string auth_;
};

}  // namespace

std::string twilio_recipient_refusal(std::string_view error_code) {
  // 21211 invalid To number, 21214 To cannot be reached, 21610 unsubscribed recipient,
  // 21614 not a mobile number, 63003 no such WhatsApp address, 63024 invalid recipient,
  // 30005 unknown destination, 30006 landline or unreachable carrier.
  static constexpr std::array<std::string_view, 8> kRefused{"21211", "21214", "21610", "21614",
                                                            "63003", "63024", "30005", "30006"};
  if (std::find(kRefused.begin(), kRefused.end(), error_code) == kRefused.end()) return {};
  return fmt::format("twilio error {}", error_code);
}

std::unique_ptr<MessageChannel> make_twilio_channel(const TwilioConfig& config,
                                                    net::HttpClient* http) {
  return std::make_unique<TwilioChannel>(config, http);
}

}  // namespace ca::channels
