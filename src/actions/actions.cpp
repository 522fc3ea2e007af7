#include "actions/actions.hpp"

#include <algorithm>

#include "actions/suppression.hpp"
#include "agents/invocation_runner.hpp"
#include "channels/twilio.hpp"
#include "channels/twilio_webhook.hpp"
#include "store/agent_repo.hpp"

namespace ca::actions {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

Error not_allowed(const Action& a, std::string_view verb, const std::vector<std::string>& from) {
  return Error::conflict("cannot " + std::string(verb) + " an action that is " + a.status +
                         "; only an action that is " + join(from) + " can be " +
                         std::string(verb == "cancel" ? "cancelled" : std::string(verb) + "d"));
}

}  // namespace

Result<ActionDetail> ActionService::get(const Tenant& t, const std::string& id) {
  return store::in_tx(store_, store::TxMode::read, [&](store::Tx& tx) -> Result<ActionDetail> {
    auto a = tx.actions().get(t, id);
    if (!a) return std::move(a).error();
    auto attempts = tx.delivery().attempts(id);
    if (!attempts) return std::move(attempts).error();
    return ActionDetail{std::move(*a), std::move(*attempts)};
  });
}

Result<Action> ActionService::decide(const Tenant& t, const std::string& id,
                                     const std::vector<std::string>& from,
                                     store::ActionChange change, bool enqueue_send) {
  const Timestamp now = clock_.now();
  return store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) -> Result<Action> {
    auto before = tx.actions().get(t, id);
    if (!before) return std::move(before).error();
    if (enqueue_send) change.send_at = std::max(before->send_at, now);
    auto changed = tx.delivery().transition(t, id, from, change, now);
    if (!changed) return std::move(changed).error();
    if (!*changed) {
      std::string_view verb = change.status == "scheduled"  ? "approve"
                              : change.status == "rejected" ? "reject"
                                                            : "cancel";
      return not_allowed(*before, verb, from);
    }
    auto after = tx.actions().get(t, id);
    if (!after) return std::move(after).error();
    if (enqueue_send) {
      CA_CHECK(agents::enqueue_send_job(tx, *after, ids_, after->send_at, now));
    }
    return after;
  });
}

Result<Action> ActionService::approve(const Tenant& t, const std::string& id,
                                      const std::optional<std::string>& message) {
  store::ActionChange change;
  change.status = "scheduled";
  change.message = message;
  return decide(t, id, {"awaiting_review"}, std::move(change), true);
}

Result<Action> ActionService::reject(const Tenant& t, const std::string& id,
                                     const std::string& reason) {
  store::ActionChange change;
  change.status = "rejected";
  change.last_error = "rejected: " + reason;
  return decide(t, id, {"awaiting_review"}, std::move(change), false);
}

Result<Action> ActionService::cancel(const Tenant& t, const std::string& id) {
  store::ActionChange change;
  change.status = "cancelled";
  // The send job of a scheduled action stays queued and finds it cancelled.
  return decide(t, id, {"awaiting_review", "scheduled"}, std::move(change), false);
}

Result<OptOutResult> ActionService::opt_out(const std::string& e164, const std::string& source) {
  const Timestamp now = clock_.now();
  return store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) -> Result<OptOutResult> {
    auto consumers = tx.delivery().consumers_by_whatsapp(e164);
    if (!consumers) return std::move(consumers).error();
    OptOutResult out;
    for (const auto& c : *consumers) {
      CA_CHECK(tx.consumers().set_consent(Tenant::admin(), c.id, Channel::whatsapp,
                                          Consent{false, source, now}));
      auto cancelled = tx.delivery().cancel_pending(c.id, Channel::whatsapp, now);
      if (!cancelled) return std::move(cancelled).error();
      out.consumer_ids.push_back(c.id);
      out.cancelled_actions.insert(out.cancelled_actions.end(), cancelled->begin(),
                                   cancelled->end());
    }
    return out;
  });
}

Result<OptOutResult> ActionService::opt_in(const std::string& e164, const std::string& source) {
  const Timestamp now = clock_.now();
  return store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) -> Result<OptOutResult> {
    auto consumers = tx.delivery().consumers_by_whatsapp(e164);
    if (!consumers) return std::move(consumers).error();
    OptOutResult out;
    for (const auto& c : *consumers) {
      CA_CHECK(tx.consumers().set_consent(Tenant::admin(), c.id, Channel::whatsapp,
                                          Consent{true, source, now}));
      out.consumer_ids.push_back(c.id);
    }
    return out;
  });
}

Result<std::vector<Consumer>> ActionService::inbound_recipients(const std::string& e164) {
  return store::in_tx(
      store_, store::TxMode::read, [&](store::Tx& tx) -> Result<std::vector<Consumer>> {
        auto all = tx.delivery().consumers_by_whatsapp(e164);
        if (!all) return std::move(all).error();
        std::vector<std::string> ids;
        for (const auto& c : *all) ids.push_back(c.id);
        auto messaged = tx.delivery().consumers_messaged_on_whatsapp(ids);
        if (!messaged) return std::move(messaged).error();
        if (messaged->empty()) return std::move(*all);
        std::vector<Consumer> out;
        for (auto& c : *all) {
          if (std::find(messaged->begin(), messaged->end(), c.id) != messaged->end()) {
            out.push_back(std::move(c));
          }
        }
        return out;
      });
}

Result<CallbackResult> ActionService::apply_status(const StatusCallback& cb) {
  // The update is a compare-and-set on the status read; when the scheduler or another
  // callback changed it in between, read again (a few times: they settle quickly).
  for (int round = 0; round < 5; ++round) {
    auto r = apply_status_once(cb);
    if (!r) return std::move(r).error();
    if (*r) return **r;
  }
  return Error::unavailable("the action kept changing; the provider will retry the callback");
}

Result<std::optional<CallbackResult>> ActionService::apply_status_once(const StatusCallback& cb) {
  using Out = Result<std::optional<CallbackResult>>;
  const Timestamp now = clock_.now();
  return store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) -> Out {
    std::optional<std::string> id = cb.action_id;
    if (!id || !is_uuid(*id)) {
      if (cb.provider_message_id.empty()) return std::optional{CallbackResult::unknown_message};
      auto found = tx.delivery().action_for_provider_id(cb.provider_message_id);
      if (!found) return std::move(found).error();
      id = *found;
    }
    if (!id) return std::optional{CallbackResult::unknown_message};
    auto action = tx.actions().get(Tenant::admin(), *id);
    if (!action) {
      if (action.error().code == ErrorCode::not_found) {
        return std::optional{CallbackResult::unknown_message};
      }
      return std::move(action).error();
    }
    // A callback naming our action but another message: not ours to apply.
    if (action->provider_message_id && !cb.provider_message_id.empty() &&
        *action->provider_message_id != cb.provider_message_id) {
      return std::optional{CallbackResult::ignored};
    }
    if (!cb.provider_message_id.empty() && !action->provider_message_id) {
      // The send's answer was lost (unknown outcome): the callback tells us what happened.
      CA_CHECK(
          tx.delivery().reconcile_unknown(*id, cb.provider_message_id, cb.provider_status, now));
    }
    store::ActionChange change;
    change.status = action->status;
    change.provider_status = cb.provider_status;
    if (!cb.provider_message_id.empty()) change.provider_message_id = cb.provider_message_id;
    auto next = channels::action_status_for(cb.provider_status);
    const bool forward = next && channels::status_moves_forward(action->status, *next);
    std::string refused;  // the callback rules the number out: suppress it
    if (forward) {
      change.status = *next;
      if (*next == "failed" && cb.error_code) {
        change.last_error = "provider error " + *cb.error_code;
        refused = channels::twilio_recipient_refusal(*cb.error_code);
      }
    }
    auto applied = tx.delivery().transition(Tenant::admin(), *id, {action->status}, change, now);
    if (!applied) return std::move(applied).error();
    if (!*applied) return std::optional<CallbackResult>{};  // changed meanwhile: read again
    if (!refused.empty()) CA_CHECK(suppress_current_address(tx, *action, refused, now));
    return std::optional{forward ? CallbackResult::applied : CallbackResult::ignored};
  });
}

}  // namespace ca::actions
