#include "agents/external_http.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <array>

#include "agents/input_json.hpp"
#include "agents/schedule.hpp"
#include "domain/digest.hpp"
#include "domain/json_codec.hpp"
#include "net/http_client.hpp"
#include "net/target_guard.hpp"

namespace ca::agents {
namespace bj = boost::json;
namespace {

using json::FieldReader;
using json::Need;

constexpr std::size_t kMaxActions = 10;
constexpr std::size_t kMaxMessageBytes = 4096;
constexpr std::size_t kMaxResponseBytes = std::size_t{64} * 1024;

Error bad(std::string field, std::string message) {
  return Error::invalid(std::move(field), "external agent response: " + std::move(message));
}

Result<PlannedAction> parse_action(const bj::value& v, const std::string& field, Timestamp now) {
  if (!v.is_object()) return bad(field, field + " must be an object");
  const bj::object& o = v.get_object();
  FieldReader r(o, field);
  r.reject_unknown({"channel", "delay_minutes", "send_at", "message"});
  PlannedAction a;
  if (auto ch = r.string("channel", Need::required, 16)) {
    auto parsed = parse_channel(*ch);
    if (!parsed) {
      r.fail("channel", r.path("channel") + " must be whatsapp, email or sms");
    } else {
      a.channel = *parsed;
    }
  }
  auto delay = r.integer("delay_minutes", Need::optional, 0, kMaxDelayMinutes);
  auto send_at = r.string("send_at", Need::optional, 40);
  if (!r.ok()) return bad(r.error().field, r.error().message);
  if (delay && send_at) return bad(field, "give delay_minutes or send_at, not both");
  a.send_at = now;
  if (delay) a.send_at = send_at_after(now, std::chrono::minutes{*delay});
  if (send_at) {
    auto t = parse_rfc3339(*send_at);
    if (!t) return bad(r.path("send_at"), "send_at must be an RFC 3339 time");
    if (*t > now + std::chrono::minutes{kMaxDelayMinutes}) {
      return bad(r.path("send_at"), "send_at is more than 30 days ahead");
    }
    a.send_at = std::max(*t, now);
  }
  // Read by hand: messages may hold newlines, which FieldReader treats as control characters.
  const bj::value* m = o.if_contains("message");
  if (m == nullptr || !m->is_string() || m->get_string().empty() ||
      m->get_string().size() > kMaxMessageBytes) {
    return bad(r.path("message"), "message must be a string of 1..4096 bytes");
  }
  a.message = std::string(m->get_string());
  a.metadata_json = bj::serialize(bj::object{{"agent", kExternalHttpKind}});
  return a;
}

}  // namespace

Result<ExternalHttpConfig> parse_external_http_config(const std::string& text) {
  auto parsed = json::parse_object(text.empty() ? "{}" : text);
  if (!parsed) return Error::invalid("config", "config must be a JSON object");
  FieldReader r(*parsed, "config");
  r.reject_unknown({"url", "secret", "timeout_ms"});
  ExternalHttpConfig cfg;
  if (auto url = r.string("url", Need::required, 2048)) {
    auto target = net::parse_target(*url, "config.url");
    if (!target) r.adopt(target.error());
    cfg.url = *url;
  }
  if (auto secret = r.string("secret", Need::required, 256)) {
    if (secret->size() < 16) r.fail("secret", "config.secret must be at least 16 characters");
    cfg.secret = *secret;
  }
  if (auto t = r.integer("timeout_ms", Need::optional, 100, 30000)) {
    cfg.timeout = std::chrono::milliseconds{*t};
  }
  if (!r.ok()) return r.error();
  return cfg;
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view body) {
  return ca::hmac_sha256_hex(secret, body);
}

Result<Decision> parse_external_response(std::string_view body, Timestamp now) {
  auto parsed = json::parse_object(body);
  if (!parsed) return bad("response", "not a JSON object");
  const bj::object& o = *parsed;
  FieldReader r(o, "response");
  r.reject_unknown({"act", "reason", "actions"});
  Decision d;
  auto act = r.boolean("act", Need::required);
  if (auto reason = r.string("reason", Need::optional, 500)) d.reason = *reason;
  if (!r.ok()) return bad(r.error().field, r.error().message);
  if (const bj::value* actions = o.if_contains("actions"); actions != nullptr) {
    if (!actions->is_array() || actions->get_array().size() > kMaxActions) {
      return bad("response.actions", "actions must be an array of at most 10 actions");
    }
    for (std::size_t i = 0; i < actions->get_array().size(); ++i) {
      auto a =
          parse_action(actions->get_array()[i], "response.actions[" + std::to_string(i) + "]", now);
      if (!a) return std::move(a).error();
      d.actions.push_back(std::move(a).value());
    }
  }
  if (*act && d.actions.empty()) return bad("response.actions", "act is true but no actions");
  if (!*act && !d.actions.empty()) return bad("response.actions", "act is false but has actions");
  d.act = *act;
  if (d.reason.empty()) d.reason = d.act ? "external agent acted" : "external agent declined";
  return d;
}

std::string ExternalHttpAgent::request_body(const AgentInput& in) {
  bj::object body{{"event", event_json(in.event)},
                  {"context", bj::object{{"before", context_json(in.before, in.before_metrics)},
                                         {"after", context_json(in.after, in.after_metrics)}}},
                  {"creator", bj::object{{"id", in.creator.id}, {"name", in.creator.name}}},
                  {"sent_at", format_rfc3339(in.now)}};
  if (in.consumer != nullptr) body["consumer"] = consumer_json(in.consumer);
  bj::array services;
  for (const Product& p : in.products) {
    services.push_back(bj::object{{"id", p.id},
                                  {"name", p.name},
                                  {"type", p.type},
                                  {"price", bj::object{{"amount_minor", p.price.amount_minor},
                                                       {"currency", p.price.currency},
                                                       {"display", display(p.price)}}},
                                  {"url", p.url ? bj::value(*p.url) : bj::value(nullptr)}});
  }
  body["profile"] = bj::object{{"services", std::move(services)}};
  return bj::serialize(body);
}

Result<Decision> ExternalHttpAgent::decide(const AgentInput& in) const {
  auto target = net::resolve_target(config_.url, opts_.allow_private_targets, "config.url");
  if (!target) return std::move(target).error();

  net::HttpRequest req;
  req.url = config_.url;
  req.body = request_body(in);
  req.timeout = config_.timeout.value_or(opts_.http_timeout);
  req.max_response_bytes = kMaxResponseBytes;
  req.pinned_resolve = target->pinned_resolve();  // connect to the address just checked
  auto unix_seconds = std::chrono::duration_cast<std::chrono::seconds>(in.now.time_since_epoch());
  req.headers = {{"Content-Type", "application/json"},
                 {"X-Timestamp", std::to_string(unix_seconds.count())},
                 {"X-Signature", "sha256=" + hmac_sha256_hex(config_.secret, req.body)}};

  net::CurlHttpClient fallback;
  net::HttpClient& client = opts_.http_client != nullptr ? *opts_.http_client : fallback;
  auto resp = client.post(req);
  if (!resp) return std::move(resp).error();
  if (resp->status == 429 || resp->status >= 500) {
    return Error::unavailable("external agent answered HTTP " + std::to_string(resp->status));
  }
  if (resp->status < 200 || resp->status > 299) {
    return bad("response.status", "HTTP " + std::to_string(resp->status));
  }
  return parse_external_response(resp->body, in.now);
}

bool ExternalHttpAgent::should_act(const AgentInput& in, std::string& reason) const {
  auto d = decide(in);
  reason = d ? d->reason : d.error().message;
  return d && d->act;
}

std::vector<PlannedAction> ExternalHttpAgent::plan_actions(const AgentInput& in) const {
  auto d = decide(in);
  return d ? std::move(d).value().actions : std::vector<PlannedAction>{};
}

}  // namespace ca::agents
