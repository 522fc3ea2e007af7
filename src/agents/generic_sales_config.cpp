#include "agents/generic_sales_config.hpp"

#include "agents/compose.hpp"
#include "domain/json_codec.hpp"
#include "policy/policy.hpp"

namespace ca::agents {
namespace {

using json::FieldReader;
using json::Need;

constexpr std::array<std::string_view, 6> kRules = {kRuleFirstView,     kRuleReturnVisit,
                                                    kRuleServiceClick,  kRuleBookingConfirmation,
                                                    kRulePaymentFailed, kRuleReengagement};

}  // namespace

bool GenericSalesConfig::on(std::string_view rule) const {
  auto it = enabled.find(rule);
  return it != enabled.end() && it->second;
}

std::chrono::minutes GenericSalesConfig::delay(std::string_view rule) const {
  auto it = delays.find(rule);
  return it == delays.end() ? std::chrono::minutes{0} : it->second;
}

Result<GenericSalesConfig> parse_generic_sales_config(const std::string& text) {
  auto parsed = json::parse_object(text.empty() ? "{}" : text);
  if (!parsed) return Error::invalid("config", "config must be a JSON object");
  GenericSalesConfig cfg;
  FieldReader r(*parsed, "config");
  r.reject_unknown({"channel", "delays", "thresholds", "rules", "pitch_repeat_clicks", "messages",
                    "whatsapp_template", "policy"});
  if (auto ch = r.string("channel", Need::optional, 16)) {
    auto pref = parse_channel_preference(*ch);
    if (!pref) {
      r.fail("channel", "config.channel must be auto, whatsapp or email");
    } else {
      cfg.channel = *pref;
    }
  }
  if (const auto* d = r.object("delays", Need::optional)) {
    FieldReader dr(*d, r.path("delays"));
    dr.reject_unknown({"first_view_minutes", "return_visit_minutes", "service_click_minutes",
                       "booking_confirmation_minutes", "payment_failed_minutes",
                       "reengagement_minutes"});
    for (std::string_view rule : kRules) {
      std::string key = std::string(rule) + "_minutes";
      if (auto m = dr.integer(key, Need::optional, 0, kMaxDelayMinutes)) {
        cfg.delays[std::string(rule)] = std::chrono::minutes{*m};
      }
    }
    if (!dr.ok()) r.adopt(dr.error());
  }
  if (const auto* t = r.object("thresholds", Need::optional)) {
    FieldReader tr(*t, r.path("thresholds"));
    tr.reject_unknown({"return_after_hours", "inactivity_days"});
    if (auto h = tr.integer("return_after_hours", Need::optional, 1, std::int64_t{24} * 365)) {
      cfg.return_after = std::chrono::hours{*h};
    }
    if (auto d = tr.integer("inactivity_days", Need::optional, 0, 365)) {
      cfg.inactivity_days = static_cast<int>(*d);
    }
    if (!tr.ok()) r.adopt(tr.error());
  }
  if (const auto* o = r.object("rules", Need::optional)) {
    FieldReader rr(*o, r.path("rules"));
    rr.reject_unknown({"first_view", "return_visit", "service_click", "booking_confirmation",
                       "payment_failed", "reengagement"});
    for (std::string_view rule : kRules) {
      if (auto b = rr.boolean(rule, Need::optional)) cfg.enabled[std::string(rule)] = *b;
    }
    if (!rr.ok()) r.adopt(rr.error());
  }
  if (auto b = r.boolean("pitch_repeat_clicks", Need::optional)) cfg.pitch_repeat_clicks = *b;
  if (const auto* m = r.object("messages", Need::optional)) {
    FieldReader mr(*m, r.path("messages"));
    mr.reject_unknown({"first_view", "return_visit", "service_click", "booking_confirmation",
                       "payment_failed", "reengagement"});
    for (std::string_view rule : kRules) {
      if (auto s = mr.string(rule, Need::optional, kMaxTemplateBytes)) {
        auto valid = validate_template(*s, mr.path(rule));
        if (!valid) {
          mr.adopt(valid.error());
        } else {
          cfg.messages[std::string(rule)] = *s;
        }
      }
    }
    if (!mr.ok()) r.adopt(mr.error());
  }
  if (const auto* t = r.object("whatsapp_template", Need::optional)) {
    FieldReader tr(*t, r.path("whatsapp_template"));
    tr.reject_unknown({"content_sid", "variables"});
    GenericSalesConfig::WhatsAppTemplate wt;
    if (auto sid = tr.string("content_sid", Need::required, 64)) {
      if (sid->size() != 34 || !sid->starts_with("HX")) {
        tr.fail("content_sid", "content_sid must be a Twilio ContentSid (HX + 32 hex digits)");
      }
      wt.content_sid = *sid;
    }
    if (const auto* vars = tr.object("variables", Need::optional)) {
      FieldReader vr(*vars, tr.path("variables"));
      for (const auto& kv : *vars) {
        const std::string key(kv.key());
        if (auto text = vr.string(key, Need::required, 200)) {
          auto valid = validate_template(*text, vr.path(key));
          if (!valid) {
            vr.adopt(valid.error());
          } else {
            wt.variables[key] = *text;
          }
        }
      }
      if (!vr.ok()) tr.adopt(vr.error());
    }
    if (!tr.ok()) {
      r.adopt(tr.error());
    } else {
      cfg.whatsapp_template = std::move(wt);
    }
  }
  if (!r.ok()) return r.error();
  // The policy overlay is policy's to read; checked here so a bad one is a 400 on create.
  if (r.has("policy")) {
    auto settings = policy::settings_from_json("{}", text);
    if (!settings) return std::move(settings).error();
  }
  return cfg;
}

}  // namespace ca::agents
