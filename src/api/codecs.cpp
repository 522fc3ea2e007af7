#include "api/codecs.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "domain/money.hpp"
#include "domain/validation.hpp"
#include "policy/policy.hpp"

namespace ca::api {

namespace bj = boost::json;
using json::Need;

bj::value to_json(std::optional<Timestamp> t) {
  return t ? bj::value(format_rfc3339(*t)) : bj::value(nullptr);
}

bj::value to_json(const std::optional<std::string>& s) {
  return s ? bj::value(*s) : bj::value(nullptr);
}

bj::value stored_json(const std::string& text) {
  boost::system::error_code ec;
  bj::value v = bj::parse(text, ec);
  if (ec) return bj::object{};
  return v;
}

bj::value to_json(const Money& m) {
  return bj::object{
      {"amount_minor", m.amount_minor}, {"currency", m.currency}, {"display", display(m)}};
}

bj::value to_json(const Creator& c) {
  return bj::object{{"id", c.id},
                    {"name", c.name},
                    {"email", c.email},
                    {"external_username", to_json(c.external_username)},
                    {"timezone", c.timezone},
                    {"settings", stored_json(c.settings_json)},
                    {"created_at", format_rfc3339(c.created_at)},
                    {"updated_at", format_rfc3339(c.updated_at)}};
}

bj::value to_json(const Consumer& c) {
  bj::object consent;
  for (Channel ch : {Channel::whatsapp, Channel::email, Channel::sms}) {
    auto it = c.consent.find(ch);
    if (it == c.consent.end()) {
      if (ch == Channel::sms) continue;  // shown only once recorded
      consent[to_string(ch)] = bj::object{{"granted", false}, {"source", nullptr}, {"at", nullptr}};
    } else {
      consent[to_string(ch)] = bj::object{{"granted", it->second.granted},
                                          {"source", it->second.source},
                                          {"at", format_rfc3339(it->second.at)}};
    }
  }
  return bj::object{{"id", c.id},
                    {"creator_id", c.creator_id},
                    {"name", to_json(c.name)},
                    {"email", to_json(c.email)},
                    {"whatsapp", to_json(c.whatsapp)},
                    {"external_id", to_json(c.external_id)},
                    {"timezone", to_json(c.timezone)},
                    {"consent", std::move(consent)},
                    {"created_at", format_rfc3339(c.created_at)},
                    {"updated_at", format_rfc3339(c.updated_at)}};
}

bj::value to_json(const ConsumerContext& c) {
  return bj::object{{"consumer_id", c.consumer_id},
                    {"stage", to_string(c.stage)},
                    {"lead_score", c.lead_score},
                    {"last_seen_at", to_json(c.last_seen_at)},
                    {"metrics", stored_json(c.metrics_json)},
                    {"attributes", stored_json(c.attributes_json)},
                    {"updated_at", format_rfc3339(c.updated_at)}};
}

bj::value to_json(const Product& p) {
  return bj::object{{"id", p.id},
                    {"creator_id", p.creator_id},
                    {"name", p.name},
                    {"type", p.type},
                    {"price", to_json(p.price)},
                    {"description", to_json(p.description)},
                    {"url", to_json(p.url)},
                    {"created_at", format_rfc3339(p.created_at)},
                    {"updated_at", format_rfc3339(p.updated_at)}};
}

namespace {

// Reads an optional string field that PATCH may clear with null.
void optional_field(json::FieldReader& r, std::string_view key, std::size_t max,
                    std::optional<std::string>& out, bool (*valid)(std::string_view),
                    const char* shape) {
  if (r.is_null(key)) {
    out.reset();
    return;
  }
  auto v = r.string(key, Need::optional, max);
  if (!v) return;
  if (valid && !valid(*v)) {
    r.fail(key, r.path(key) + " must be " + shape);
    return;
  }
  out = std::move(*v);
}

bool is_username(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool okc = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
    if (!okc) return false;
  }
  return true;
}

bool is_identifier(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20) return false;
  return true;
}

}  // namespace

void apply_creator_fields(json::FieldReader& r, Creator& out, bool creating) {
  Need need = creating ? Need::required : Need::optional;
  if (auto name = r.string("name", need, kNameMax)) out.name = *name;
  if (auto email = r.string("email", need, kEmailMax)) {
    if (!is_email(*email)) r.fail("email", "email must look like name@example.com");
    out.email = normalize_email(*email);
  }
  optional_field(r, "external_username", 64, out.external_username, is_username,
                 "1-64 letters, digits, '_', '-' or '.'");
  if (auto tz = r.string("timezone", Need::optional, 64)) {
    if (!is_timezone(*tz)) r.fail("timezone", "timezone must be an IANA zone such as Asia/Kolkata");
    out.timezone = *tz;
  }
  if (r.is_null("settings")) out.settings_json = "{}";
  if (const auto* settings = r.object("settings", Need::optional)) {
    std::string text = bj::serialize(*settings);
    if (text.size() > kSettingsMax) r.fail("settings", "settings must be at most 64 KiB of JSON");
    // The send-time policy reads settings.policy: a bad one is a 400 now, not a silent
    // fallback to defaults at every send.
    if (auto policy = policy::settings_from_json(text, "{}"); !policy) r.adopt(policy.error());
    out.settings_json = std::move(text);
  }
}

void apply_consumer_fields(json::FieldReader& r, Consumer& out, bool /*creating*/) {
  optional_field(r, "name", kNameMax, out.name, nullptr, "");
  optional_field(r, "email", kEmailMax, out.email, is_email,
                 "an email address like name@example.com");
  if (out.email) out.email = normalize_email(*out.email);
  optional_field(r, "whatsapp", 16, out.whatsapp, is_e164,
                 "an E.164 phone number like +919812345678");
  optional_field(r, "external_id", kIdentMax, out.external_id, is_identifier, "printable text");
  optional_field(r, "timezone", 64, out.timezone, is_timezone, "an IANA zone such as Asia/Kolkata");
}

void apply_product_fields(json::FieldReader& r, Product& out, bool creating) {
  Need need = creating ? Need::required : Need::optional;
  if (auto name = r.string("name", need, kNameMax)) out.name = *name;
  if (auto type = r.string("type", need, 64)) out.type = *type;
  if (const auto* price = r.object("price", need)) {
    json::FieldReader pr(*price, r.path("price"));
    pr.reject_unknown({"amount_minor", "currency", "display"});
    auto amount = pr.integer("amount_minor", Need::required, 0, 1'000'000'000'000LL);
    auto currency = pr.string("currency", Need::required, 3);
    if (currency && !is_currency_code(*currency)) {
      pr.fail("currency", pr.path("currency") + " must be an ISO 4217 code such as INR or USD");
    }
    if (pr.ok()) {
      out.price = Money{*amount, *currency};
    } else {
      r.adopt(pr.error());
    }
  }
  optional_field(r, "description", kTextMax, out.description, nullptr, "");
  optional_field(r, "url", 2048, out.url, is_http_url, "an http(s) URL");
}

Result<ConsentInput> decode_consent(const bj::object& body, Timestamp now) {
  json::FieldReader r(body);
  r.reject_unknown({"channel", "granted", "source"});
  auto channel = r.string("channel", Need::required, 16);
  auto granted = r.boolean("granted", Need::required);
  auto source = r.string("source", Need::optional, 64);
  std::optional<Channel> ch;
  if (channel) {
    ch = parse_channel(*channel);
    if (!ch) r.fail("channel", "channel must be one of whatsapp, email, sms");
  }
  if (!r.ok()) return r.error();
  return ConsentInput{*ch, Consent{*granted, source.value_or("api"), now}};
}

}  // namespace ca::api
