// Twilio webhooks. No API key: every request must carry a valid X-Twilio-Signature over
// the URL Twilio called (PUBLIC_BASE_URL + path + query when configured, else the Host
// header) and the form parameters; anything else is 403 before it is read further.
//
// /webhooks/twilio/status   delivery status of a message we sent (MessageSid,
//                           MessageStatus); our StatusCallback URL carries ?action_id=, which
//                           is covered by the signature and finds the action even when the
//                           send's answer was lost (the attempt was "unknown").
// /webhooks/twilio/inbound  a consumer wrote to us. STOP & co. revoke WhatsApp consent for
//                           every consumer with that number (any creator) and cancel their
//                           scheduled WhatsApp actions; START grants it again; other text is
//                           a whatsapp_message_received event (opens the 24-hour window) for
//                           the consumers whose creator messaged that number (all of them
//                           when none has). Replies are empty TwiML.
#include <boost/json/object.hpp>

#include <spdlog/spdlog.h>

#include "actions/actions.hpp"
#include "api/api.hpp"
#include "channels/twilio_webhook.hpp"
#include "ingest/event_request.hpp"

namespace ca::api {

namespace bj = boost::json;
using http::Method;

namespace {

constexpr const char* kEmptyTwiml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The URL Twilio signed: our public base (or the Host it called) + path + query.
std::string signed_url(const ApiDeps& d, const http::Request& req) {
  std::string url;
  if (!d.public_base_url.empty()) {
    url = d.public_base_url;
  } else {
    auto proto = req.header("x-forwarded-proto");
    url =
        std::string(proto ? *proto : "http") + "://" + std::string(req.header("host").value_or(""));
  }
  url += req.path;
  for (size_t i = 0; i < req.query.size(); ++i) {
    url += i == 0 ? '?' : '&';
    url += percent_encode(req.query[i].first) + "=" + percent_encode(req.query[i].second);
  }
  return url;
}

http::Response twiml() {
  http::Response r;
  r.status = 200;
  r.content_type = "text/xml";
  r.body = kEmptyTwiml;
  return r;
}

std::string param(const channels::FormParams& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

// Parses and verifies; the error response when either fails.
Result<channels::FormParams> verified_form(const ApiDeps& d, const http::Request& req) {
  auto params = channels::parse_form(req.body);
  if (!params) return Error::invalid("body", "the body must be application/x-www-form-urlencoded");
  auto signature = req.header("x-twilio-signature");
  if (d.twilio_auth_token.empty() || !signature ||
      !channels::verify_twilio_signature(d.twilio_auth_token, signed_url(d, req), *params,
                                         *signature)) {
    return Error{ErrorCode::forbidden, "missing or invalid X-Twilio-Signature", {}};
  }
  return params;
}

http::Response status_callback(ApiDeps& d, http::Request& req) {
  auto params = verified_form(d, req);
  if (!params) return http::error_response(params.error());
  if (d.actions == nullptr) return http::error_response(Error::unavailable("actions disabled"));
  actions::StatusCallback cb;
  if (auto id = req.query_param("action_id")) cb.action_id = std::string(*id);
  cb.provider_message_id = param(*params, "MessageSid");
  cb.provider_status = param(*params, "MessageStatus");
  if (auto code = param(*params, "ErrorCode"); !code.empty()) cb.error_code = code;
  if (cb.provider_status.empty()) {
    return http::error_response(Error::invalid("MessageStatus", "MessageStatus is required"));
  }
  auto r = d.actions->apply_status(cb);
  if (!r) return http::error_response(r.error());
  if (*r == actions::CallbackResult::unknown_message) {
    spdlog::info("twilio status {} for unknown message {}", cb.provider_status,
                 cb.provider_message_id);
  }
  return twiml();
}

// whatsapp:+919812345678 → +919812345678
std::string e164_of(std::string from) {
  constexpr std::string_view kPrefix = "whatsapp:";
  if (from.rfind(kPrefix, 0) == 0) from.erase(0, kPrefix.size());
  return from;
}

Result<void> ingest_inbound(ApiDeps& d, const Consumer& c, const channels::FormParams& params) {
  const std::string sid = param(params, "MessageSid");
  bj::object body{
      {"creator_id", c.creator_id},
      {"consumer_id", c.id},
      {"type", "whatsapp_message_received"},
      {"source", "webhook"},
      {"payload",
       bj::object{{"text", param(params, "Body")}, {"message_sid", sid}, {"channel", "whatsapp"}}}};
  // Twilio retries a webhook it did not get a 2xx for: the MessageSid makes it a replay.
  std::optional<std::string> key;
  if (!sid.empty()) key = "twilio:" + sid;
  auto request = ingest::decode_event(body, key);
  if (!request) return std::move(request).error();
  auto outcome = d.ingest.ingest(Tenant::admin(), *request);
  if (!outcome) return std::move(outcome).error();
  return ok();
}

http::Response inbound(ApiDeps& d, http::Request& req) {
  auto params = verified_form(d, req);
  if (!params) return http::error_response(params.error());
  if (d.actions == nullptr) return http::error_response(Error::unavailable("actions disabled"));
  const std::string from = e164_of(param(*params, "From"));
  if (from.empty()) return http::error_response(Error::invalid("From", "From is required"));
  const std::string text = param(*params, "Body");
  switch (channels::classify_inbound(text)) {
    case channels::InboundKeyword::stop: {
      auto r = d.actions->opt_out(from, "whatsapp_inbound_stop");
      if (!r) return http::error_response(r.error());
      spdlog::info("whatsapp opt-out: {} consumer(s), {} action(s) cancelled",
                   r->consumer_ids.size(), r->cancelled_actions.size());
      return twiml();
    }
    case channels::InboundKeyword::start: {
      auto r = d.actions->opt_in(from, "whatsapp_inbound_start");
      if (!r) return http::error_response(r.error());
      return twiml();
    }
    case channels::InboundKeyword::none: break;
  }
  auto recipients = d.actions->inbound_recipients(from);
  if (!recipients) return http::error_response(recipients.error());
  for (const auto& c : *recipients) {
    auto r = ingest_inbound(d, c, *params);
    if (!r) {
      // A replay with another body (conflict) is not worth a Twilio retry storm.
      if (r.error().code == ErrorCode::conflict) continue;
      return http::error_response(r.error());
    }
  }
  return twiml();
}

}  // namespace

void register_webhook_routes(http::Router& router, ApiDeps& d) {
  http::RouteOptions form;
  form.body = http::BodyKind::form;
  form.max_body_bytes = std::size_t{64} * 1024;  // Twilio's forms are a few hundred bytes
  router.add(
      Method::post, "/webhooks/twilio/status",
      [&d](http::Request& req) { return status_callback(d, req); }, form);
  router.add(
      Method::post, "/webhooks/twilio/inbound",
      [&d](http::Request& req) { return inbound(d, req); }, form);
}

}  // namespace ca::api
