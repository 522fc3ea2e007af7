#include "actions/scheduler.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "actions/suppression.hpp"
#include "agents/invocation_runner.hpp"
#include "context/metrics.hpp"
#include "context/queries.hpp"
#include "policy/policy.hpp"
#include "store/agent_repo.hpp"
#include "store/delivery_repo.hpp"

namespace ca::actions {

namespace bj = boost::json;

namespace {

constexpr auto kWeek = std::chrono::hours(24 * 7);

// {"content_sid": "HX…", "variables": {"1": "Asha"}} → the WhatsApp template, if any.
struct Template {
  std::string content_sid;
  std::string variables_json = "{}";
};

std::optional<Template> parse_template(const std::optional<std::string>& json) {
  if (!json) return std::nullopt;
  boost::system::error_code ec;
  bj::value v = bj::parse(*json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  const auto* sid = o.if_contains("content_sid");
  if (sid == nullptr || !sid->is_string() || sid->as_string().empty()) return std::nullopt;
  Template t;
  t.content_sid = std::string(sid->as_string());
  if (const auto* vars = o.if_contains("variables"); vars != nullptr && vars->is_object()) {
    t.variables_json = bj::serialize(*vars);
  }
  return t;
}

const char* outcome_text(channels::SendOutcome o) {
  switch (o) {
    case channels::SendOutcome::accepted: return "accepted";
    case channels::SendOutcome::retryable: return "retryable";
    case channels::SendOutcome::failed: return "failed";
    case channels::SendOutcome::unknown: return "unknown";
  }
  return "failed";
}

std::optional<std::string> opt(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

}  // namespace

// An action moved to sending, with what the channel needs.
struct SendScheduler::Claimed {
  Action action;  // as it was before the claim (attempts not yet counted)
  std::string attempt_id;
  channels::MessageChannel* channel = nullptr;
  channels::OutboundMessage message;
};

Result<void> SendScheduler::run_send(const store::Job& job) {
  boost::system::error_code ec;
  bj::value payload = bj::parse(job.payload_json, ec);
  const bj::value* id =
      (!ec && payload.is_object()) ? payload.as_object().if_contains("action_id") : nullptr;
  if (id == nullptr || !id->is_string()) {
    spdlog::warn("action.send job {} without an action_id; dropped", job.id);
    return ok();
  }
  return send_action(std::string(id->as_string()));
}

Result<void> SendScheduler::send_action(const std::string& action_id) {
  auto claimed = evaluate_and_claim(action_id);
  if (!claimed) return std::move(claimed).error();
  if (!*claimed) return ok();  // skipped, held, not due or not ours to send
  const Claimed& c = **claimed;
  // The provider call happens outside any transaction, after the claim committed.
  channels::SendResult result = c.channel->send(c.message);
  // The outcome must land: a failed write here would leave the action sending (safe, but
  // stuck), so try a few times before giving up to the job's retry (which sees sending
  // and does nothing).
  Result<void> recorded = ok();
  for (int i = 0; i < 3; ++i) {
    recorded = record_outcome(c, result);
    if (recorded) break;
  }
  if (!recorded) {
    spdlog::error("action {}: outcome {} not recorded: {}", action_id, outcome_text(result.outcome),
                  recorded.error().message);
  }
  return recorded;
}

Result<std::optional<SendScheduler::Claimed>> SendScheduler::evaluate_and_claim(
    const std::string& action_id) {
  using Out = Result<std::optional<Claimed>>;
  const Timestamp now = clock_.now();
  return store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) -> Out {
    auto found = tx.actions().get(Tenant::admin(), action_id);
    if (!found) {
      if (found.error().code == ErrorCode::not_found) return std::optional<Claimed>{};
      return std::move(found).error();
    }
    const Action& a = *found;
    // Cancelled, already sending/sent, or held to a later time (a newer job covers it).
    if (a.status != "scheduled" || a.send_at > now) return std::optional<Claimed>{};

    auto skip = [&](const char* reason, const std::string& detail) -> Out {
      store::ActionChange ch;
      ch.status = "skipped";
      ch.skip_reason = reason;
      ch.last_error = detail;
      CA_CHECK(tx.delivery().transition(Tenant::admin(), a.id, {"scheduled"}, ch, now));
      spdlog::info("action {} skipped: {} ({})", a.id, reason, detail);
      return std::optional<Claimed>{};
    };

    if (a.consumer_id.empty()) return skip("missing_contact", "the consumer was erased");
    auto consumer = tx.consumers().get(Tenant::admin(), a.consumer_id);
    if (!consumer) {
      if (consumer.error().code == ErrorCode::not_found) {
        return skip("missing_contact", "the consumer was erased");
      }
      return std::move(consumer).error();
    }
    auto creator = tx.creators().get(Tenant::admin(), a.creator_id);
    if (!creator) return std::move(creator).error();
    std::string agent_config = "{}";
    if (!a.agent_id.empty()) {
      auto agent = tx.agents().get(Tenant::admin(), a.agent_id);
      if (agent) agent_config = agent->config_json;
    }
    auto settings = policy::settings_from_json(creator->settings_json, agent_config);
    if (!settings) {
      // Defaults are the strictest reading (consent required, default caps and hours).
      spdlog::warn("action {}: policy settings invalid ({}); using defaults", a.id,
                   settings.error().message);
      settings = policy::Settings{};
    }
    settings->creator_timezone = creator->timezone;

    auto ctx = tx.consumers().get_context(Tenant::admin(), a.consumer_id);
    if (!ctx) return std::move(ctx).error();
    const context::Metrics metrics = context::parse_metrics(ctx->metrics_json);
    auto converted = tx.delivery().converted_at(a.consumer_id);
    if (!converted) return std::move(converted).error();
    auto state = tx.delivery().send_state(a.id);
    if (!state) return std::move(state).error();
    auto history = tx.delivery().counted_history(a, now - kWeek);
    if (!history) return std::move(history).error();

    const auto tmpl = parse_template(a.template_json);
    const auto contact = contact_for(*consumer, a.channel);
    policy::ActionFacts af{a.channel, a.created_at, state->due_at, tmpl.has_value()};
    policy::ConsumerFacts cf;
    if (auto it = consumer->consent.find(a.channel); it != consumer->consent.end()) {
      cf.consent = it->second;
    }
    cf.timezone = consumer->timezone;
    cf.has_contact = contact.has_value();
    std::optional<std::string> suppressed;
    if (contact) {
      auto why = suppressed_because(tx, a.consumer_id, a.channel, *contact);
      if (!why) return std::move(why).error();
      suppressed = std::move(*why);
    }
    cf.suppressed = suppressed.has_value();
    cf.converted_at = *converted;
    cf.last_inbound_whatsapp_at = context::last_inbound_at(metrics, Channel::whatsapp);
    const policy::Decision d =
        policy::evaluate(af, cf, policy::History{std::move(*history)}, *settings, now);

    if (d.verdict == policy::Verdict::skip) {
      const auto reason = d.reason.value_or(policy::SkipReason::suppressed);
      if (reason == policy::SkipReason::suppressed && suppressed) {
        return skip(policy::to_string(reason), "the provider refused this address: " + *suppressed);
      }
      return skip(policy::to_string(reason), d.detail);
    }
    if (d.verdict == policy::Verdict::hold) {
      store::ActionChange ch;
      ch.status = "scheduled";
      ch.send_at = d.hold_until;
      ch.remember_planned_send_at = true;
      ch.last_error = "held: " + d.detail;
      auto moved = tx.delivery().transition(Tenant::admin(), a.id, {"scheduled"}, ch, now);
      if (!moved) return std::move(moved).error();
      if (*moved) CA_CHECK(agents::enqueue_send_job(tx, a, ids_, d.hold_until, now));
      return std::optional<Claimed>{};
    }

    Claimed c;
    c.action = a;
    auto channel = channels_.find(a.channel);
    if (channel == channels_.end() || channel->second == nullptr) {
      store::ActionChange ch;
      ch.status = "failed";
      ch.last_error = std::string("no channel configured for ") + to_string(a.channel);
      CA_CHECK(tx.delivery().transition(Tenant::admin(), a.id, {"scheduled"}, ch, now));
      return std::optional<Claimed>{};
    }
    c.channel = channel->second;
    channels::OutboundMessage& m = c.message;
    m.action_id = a.id;
    m.creator_id = a.creator_id;
    m.consumer_id = a.consumer_id;
    m.channel = a.channel;
    m.to = *contact;  // policy skips missing_contact, so it is set here
    m.text = a.message;
    if (a.channel == Channel::email) m.subject = "A note from " + creator->name;
    if (d.use_template && tmpl) {
      m.content_sid = tmpl->content_sid;
      m.content_variables_json = tmpl->variables_json;
    }
    if (a.channel == Channel::whatsapp && !options_.public_base_url.empty()) {
      m.status_callback_url =
          options_.public_base_url + "/webhooks/twilio/status?action_id=" + a.id;
    }

    // The claim: only one worker can move it out of scheduled.
    store::ActionChange ch;
    ch.status = "sending";
    ch.send_at = now;
    ch.remember_planned_send_at = true;
    ch.attempts_delta = 1;
    auto moved = tx.delivery().transition(Tenant::admin(), a.id, {"scheduled"}, ch, now);
    if (!moved) return std::move(moved).error();
    if (!*moved) return std::optional<Claimed>{};
    store::ActionAttempt attempt;
    attempt.id = ids_.next();
    attempt.action_id = a.id;
    attempt.creator_id = a.creator_id;
    attempt.channel = std::string(c.channel->name());
    attempt.created_at = attempt.updated_at = now;
    CA_CHECK(tx.delivery().insert_attempt(attempt));
    c.attempt_id = attempt.id;
    return std::optional<Claimed>{std::move(c)};
  });
}

Result<void> SendScheduler::record_outcome(const Claimed& c, const channels::SendResult& r) {
  const Timestamp now = clock_.now();
  const Action& a = c.action;
  return store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) -> Result<void> {
    CA_CHECK(tx.delivery().finish_attempt(c.attempt_id, outcome_text(r.outcome),
                                          opt(r.provider_message_id), opt(r.provider_status),
                                          opt(r.error), now));
    store::ActionChange ch;
    switch (r.outcome) {
      case channels::SendOutcome::accepted: {
        ch.status = "sent";
        ch.provider_message_id = opt(r.provider_message_id);
        ch.provider_status = opt(r.provider_status);
        auto moved = tx.delivery().transition(Tenant::admin(), a.id, {"sending"}, ch, now);
        if (!moved) return std::move(moved).error();
        if (!*moved) {
          // A status callback got there first and moved it on: keep its status, but
          // remember the provider id.
          auto cur = tx.actions().get(Tenant::admin(), a.id);
          if (!cur) return std::move(cur).error();
          ch.status = cur->status;
          ch.provider_status.reset();
          CA_CHECK(tx.delivery().transition(Tenant::admin(), a.id, {cur->status}, ch, now));
        }
        return ok();
      }
      case channels::SendOutcome::unknown:
        // Never resent: it may have gone out. The status callback settles it.
        ch.status = "sending";
        ch.last_error = "outcome unknown: " + r.error;
        CA_CHECK(tx.delivery().transition(Tenant::admin(), a.id, {"sending"}, ch, now));
        return ok();
      case channels::SendOutcome::retryable: {
        const int attempts = a.attempts + 1;
        if (attempts >= options_.max_send_attempts) {
          ch.status = "failed";
          ch.last_error = "gave up after " + std::to_string(attempts) + " attempts: " + r.error;
          CA_CHECK(tx.delivery().transition(Tenant::admin(), a.id, {"sending"}, ch, now));
          return ok();
        }
        const auto delay =
            r.retry_after ? std::chrono::duration_cast<std::chrono::microseconds>(*r.retry_after)
                          : jobs::backoff_delay(options_.backoff, attempts, 0.5);
        ch.status = "scheduled";
        ch.send_at = now + delay;
        ch.last_error = "retrying: " + r.error;
        auto moved = tx.delivery().transition(Tenant::admin(), a.id, {"sending"}, ch, now);
        if (!moved) return std::move(moved).error();
        if (*moved) CA_CHECK(agents::enqueue_send_job(tx, a, ids_, *ch.send_at, now));
        return ok();
      }
      case channels::SendOutcome::failed:
        ch.status = "failed";
        ch.last_error = r.error.empty() ? "the provider refused the message" : r.error;
        CA_CHECK(tx.delivery().transition(Tenant::admin(), a.id, {"sending"}, ch, now));
        if (!r.recipient_refused.empty() && !a.consumer_id.empty()) {
          CA_CHECK(suppress_address(tx, a, c.message.to, r.recipient_refused, now));
        }
        return ok();
    }
    return ok();
  });
}

void SendScheduler::register_with(jobs::WorkerPool& pool) {
  pool.register_handler(agents::kSendJobKind, [this](const store::Job& j) { return run_send(j); });
}

}  // namespace ca::actions
