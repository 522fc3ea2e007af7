#include "agents/generic_sales.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <optional>

#include "agents/compose.hpp"
#include "context/metrics.hpp"
#include "context/queries.hpp"
#include "context/rules.hpp"

namespace ca::agents {
namespace bj = boost::json;
namespace {

// Default templates: [rule] → {with a service and url, with a service, without a service}.
struct Templates {
  std::string_view with_url;
  std::string_view with_service;
  std::string_view plain;
};

Templates defaults_for(std::string_view rule) {
  if (rule == kRuleFirstView) {
    const std::string_view t =
        "Hi {{consumer.first_name}}, thanks for visiting {{creator.name}}'s page! If you have "
        "any questions about the sessions, just reply here.";
    return {t, t, t};
  }
  if (rule == kRuleReturnVisit) {
    return {
        "Welcome back, {{consumer.first_name}}! Still thinking about {{service.name}} "
        "({{service.price}})? You can book it here: {{service.url}}",
        "Welcome back, {{consumer.first_name}}! Still thinking about {{service.name}} "
        "({{service.price}})? Happy to answer any questions.",
        "Welcome back, {{consumer.first_name}}! Can I help you find the right session with "
        "{{creator.name}}?"};
  }
  if (rule == kRuleServiceClick) {
    return {
        "Hi {{consumer.first_name}}, I saw you were looking at {{service.name}} - it's "
        "{{service.price}}. You can book it here: {{service.url}}",
        "Hi {{consumer.first_name}}, I saw you were looking at {{service.name}} - it's "
        "{{service.price}}. Reply here if you'd like to book it or have questions.",
        ""};
  }
  if (rule == kRuleBookingConfirmation) {
    return {
        "Thanks {{consumer.first_name}}, your booking for {{service.name}} with "
        "{{creator.name}} is confirmed!",
        "Thanks {{consumer.first_name}}, your booking for {{service.name}} with "
        "{{creator.name}} is confirmed!",
        "Thanks {{consumer.first_name}}, your booking with {{creator.name}} is confirmed!"};
  }
  if (rule == kRulePaymentFailed) {
    return {
        "Hi {{consumer.first_name}}, your payment for {{service.name}} didn't go through. "
        "You can complete it here: {{service.url}}",
        "Hi {{consumer.first_name}}, your payment for {{service.name}} didn't go through. "
        "Reply here and we'll help you complete it.",
        "Hi {{consumer.first_name}}, your payment to {{creator.name}} didn't go through. "
        "Reply here and we'll help you complete it."};
  }
  const std::string_view t =
      "Hi {{consumer.first_name}}, it's been a while! {{creator.name}} has sessions you might "
      "like - reply here and I'll point you to the right one.";
  return {t, t, t};
}

std::optional<std::string> payload_string(const Event& e, std::string_view key) {
  std::error_code ec;
  bj::value v = bj::parse(e.payload_json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const bj::value* f = v.get_object().if_contains(key);
  if (f == nullptr || !f->is_string()) return std::nullopt;
  return std::string(f->get_string());
}

// A follow-up event's facts, read the same way when deciding and when re-scheduling.
bool is_reengagement(const Event& followup) {
  return payload_string(followup, "kind").value_or("") == kRuleReengagement;
}
std::optional<Timestamp> reengagement_anchor(const Event& followup) {
  return parse_rfc3339(payload_string(followup, "anchor_last_seen_at").value_or(""));
}

bool owns(const context::Metrics& m, std::string_view service_id) {
  return context::enrolled_in(m, service_id) || context::purchased(m, service_id);
}

// The service the consumer clicked most (ties: the first by id) and does not own yet.
const Product* favourite_unowned(const context::Metrics& m, const std::vector<Product>& products) {
  const Product* best = nullptr;
  std::int64_t best_clicks = 0;
  for (const auto& [id, clicks] : m.services_clicked) {
    if (clicks <= best_clicks || owns(m, id)) continue;
    if (const Product* p = find_product_by_id(products, id)) {
      best = p;
      best_clicks = clicks;
    }
  }
  return best;
}

}  // namespace

std::optional<GenericSalesAgent::Plan> GenericSalesAgent::pick(const AgentInput& in,
                                                               std::string& why_not) const {
  const Event& e = in.event;
  std::optional<context::Metrics> parsed_before, parsed_after;
  const context::Metrics& before = metrics_of(in.before, in.before_metrics, parsed_before);
  const context::Metrics& after = metrics_of(in.after, in.after_metrics, parsed_after);
  auto off = [&](std::string_view rule) {
    why_not = std::string(rule) + " is disabled in config";
    return std::nullopt;
  };

  if (e.type == kFollowupEventType) {
    if (!is_reengagement(e)) {
      why_not = "follow-up of an unknown kind";
      return std::nullopt;
    }
    if (!config_.on(kRuleReengagement)) return off(kRuleReengagement);
    auto anchor = reengagement_anchor(e);
    if (!anchor) {
      why_not = "re-engagement follow-up without anchor_last_seen_at";
      return std::nullopt;
    }
    if (in.after.last_seen_at && *in.after.last_seen_at > *anchor) {
      why_not = "consumer came back since the re-engagement was scheduled";
      return std::nullopt;
    }
    if (in.after.stage == Stage::converted || in.after.stage == Stage::churned) {
      why_not = std::string("consumer is ") + to_string(in.after.stage) + "; no re-engagement";
      return std::nullopt;
    }
    return Plan{kRuleReengagement, nullptr, "inactive since the last visit: re-engagement"};
  }

  if (e.type == "booking_created") {
    if (!config_.on(kRuleBookingConfirmation)) return off(kRuleBookingConfirmation);
    return Plan{kRuleBookingConfirmation, find_service(in.products, e), "booking created: confirm"};
  }

  if (e.type == "payment_failed") {
    if (!config_.on(kRulePaymentFailed)) return off(kRulePaymentFailed);
    const Product* svc = find_service(in.products, e);
    if (svc != nullptr && context::purchased(after, svc->id)) {
      why_not = "payment failed for " + svc->name + " but it is already paid for";
      return std::nullopt;
    }
    return Plan{kRulePaymentFailed, svc, "payment failed: remind with the payment link"};
  }

  if (e.type == "service_click") {
    if (!config_.on(kRuleServiceClick)) return off(kRuleServiceClick);
    const Product* svc = find_service(in.products, e);
    if (svc == nullptr) {
      why_not = "clicked service is not one of the creator's products";
      return std::nullopt;
    }
    if (owns(after, svc->id)) {
      why_not = "consumer already enrolled in or purchased " + svc->name;
      return std::nullopt;
    }
    if (!config_.pitch_repeat_clicks && context::clicked(before, svc->id)) {
      why_not = svc->name + " was already pitched on an earlier click";
      return std::nullopt;
    }
    return Plan{kRuleServiceClick, svc, "clicked " + svc->name + " without enrolling: pitch it"};
  }

  if (e.type == "page_view") {
    if (before.page_views == 0) {
      if (!config_.on(kRuleFirstView)) return off(kRuleFirstView);
      return Plan{kRuleFirstView, nullptr, "first page view: welcome"};
    }
    // BEFORE's last_seen_at: the event being handled has already moved AFTER's.
    if (context::is_return_after(in.before, e.occurred_at, config_.return_after)) {
      if (!config_.on(kRuleReturnVisit)) return off(kRuleReturnVisit);
      return Plan{kRuleReturnVisit, favourite_unowned(before, in.products),
                  "returned after " + std::to_string(config_.return_after.count()) + " h or more"};
    }
    why_not = "repeat page view within " + std::to_string(config_.return_after.count()) + " h";
    return std::nullopt;
  }
  why_not = "no rule for event type " + e.type;
  return std::nullopt;
}

std::string GenericSalesAgent::message_for(const Plan& plan, const AgentInput& in) const {
  const TemplateVars vars = make_vars(in.consumer, in.creator, plan.service);
  auto custom = config_.messages.find(plan.rule);
  if (custom != config_.messages.end() &&
      (plan.service != nullptr || !uses_service(custom->second))) {
    return render(custom->second, vars);
  }
  const Templates t = defaults_for(plan.rule);
  std::string_view tmpl = t.plain;
  if (plan.service != nullptr) {
    tmpl = plan.service->url && !plan.service->url->empty() ? t.with_url : t.with_service;
  }
  return render(tmpl, vars);
}

std::optional<Channel> GenericSalesAgent::channel_for(const AgentInput& in) const {
  ChannelFacts facts;
  std::optional<context::Metrics> parsed;
  facts.whatsapp_window_open =
      context::whatsapp_window_open(metrics_of(in.after, in.after_metrics, parsed), in.now);
  facts.whatsapp_template = config_.whatsapp_template.has_value();
  return choose_channel(in.consumer, config_.channel, facts);
}

bool GenericSalesAgent::should_act(const AgentInput& in, std::string& reason) const {
  std::string why_not;
  auto plan = pick(in, why_not);
  if (!plan) {
    reason = why_not;
    return false;
  }
  if (!channel_for(in)) {
    reason = plan->reason + ", but the consumer has no WhatsApp number or email";
    return false;
  }
  reason = plan->reason;
  return true;
}

std::vector<PlannedAction> GenericSalesAgent::plan_actions(const AgentInput& in) const {
  std::string why_not;
  auto plan = pick(in, why_not);
  auto channel = channel_for(in);
  if (!plan || !channel) return {};
  PlannedAction a;
  a.channel = *channel;
  a.type = "send_message";
  a.send_at = send_at_after(in.now, config_.delay(plan->rule));
  a.message = message_for(*plan, in);
  if (a.channel == Channel::whatsapp && config_.whatsapp_template) {
    // Rendered now, like the message: variables are data for Twilio, never re-expanded.
    const TemplateVars vars = make_vars(in.consumer, in.creator, plan->service);
    bj::object variables;
    for (const auto& [key, text] : config_.whatsapp_template->variables) {
      variables[key] = render(text, vars);
    }
    a.template_json = bj::serialize(bj::object{
        {"content_sid", config_.whatsapp_template->content_sid}, {"variables", variables}});
  }
  bj::object meta{{"agent", kGenericSalesKind}, {"rule", plan->rule}, {"event_id", in.event.id}};
  if (plan->service != nullptr) meta["service_id"] = plan->service->id;
  a.metadata_json = bj::serialize(meta);
  return {std::move(a)};
}

std::optional<FollowupRequest> GenericSalesAgent::plan_followup(const AgentInput& in) const {
  if (!config_.on(kRuleReengagement) || config_.inactivity_days <= 0) return std::nullopt;
  if (in.consumer == nullptr || !in.after.last_seen_at) return std::nullopt;
  if (in.after.stage == Stage::converted || in.after.stage == Stage::churned) return std::nullopt;
  const Timestamp anchor = *in.after.last_seen_at;
  FollowupRequest f;
  f.kind = std::string(kRuleReengagement);
  f.due_at = anchor + std::chrono::hours{24 * config_.inactivity_days};
  if (in.event.type == kFollowupEventType) {
    // A returning consumer leaves the pending check in place (see FollowupRequest); when
    // it fires after such a return, the next check counts from the newer visit. Overdue
    // (the check ran late): re-check at once.
    if (!is_reengagement(in.event)) return std::nullopt;
    auto prior = reengagement_anchor(in.event);
    if (!prior || *prior >= anchor) return std::nullopt;  // stayed away: this check acts
    f.due_at = std::max(f.due_at, in.now);
  } else {
    if (!context::is_consumer_activity(in.event)) return std::nullopt;
    if (f.due_at <= in.now) return std::nullopt;  // a late event: the window has passed
  }
  f.dedupe_key = "reengagement:" + in.agent.id + ":" + in.consumer->id;
  f.payload_json = bj::serialize(bj::object{{"kind", kRuleReengagement},
                                            {"agent_id", in.agent.id},
                                            {"anchor_last_seen_at", format_rfc3339(anchor)}});
  return f;
}

}  // namespace ca::agents
