// GenericSalesAgent (kind "generic_sales"): works for any creator from its products.
// At most one message per event, by the first rule that applies:
//
//   rule                  when                                              default delay
//   reengagement          agent_followup event (kind reengagement) and the
//                         consumer not seen since it was scheduled, not
//                         converted or churned                               0 min
//   booking_confirmation  booking_created                                    0 min
//   payment_failed        payment_failed, service not already purchased      60 min
//                         (link from the Product's url when it has one)
//   service_click         service_click on a known Product, not enrolled in or
//                         purchased, first click on it (pitch_repeat_clicks)  15 min
//   first_view            page_view and the BEFORE context had 0 page views   30 min
//   return_visit          page_view and BEFORE.last_seen_at >= 24 h before
//                         the event (mentions the most-clicked service not yet
//                         bought, if any)                                     10 min
//
// Channel: config "channel" (auto = WhatsApp when the consumer has a number, else email);
// no consumer or no contact → no action. Every consumer activity (not converted/churned)
// also yields a FollowupRequest due inactivity_days (7) after last_seen_at.
#pragma once

#include "agents/generic_sales_config.hpp"
#include "agents/runtime.hpp"

namespace ca::agents {

inline constexpr std::string_view kGenericSalesKind = "generic_sales";

class GenericSalesAgent final : public Agent {
 public:
  explicit GenericSalesAgent(GenericSalesConfig config) : config_(std::move(config)) {}

  bool should_act(const AgentInput& in, std::string& reason) const override;
  std::vector<PlannedAction> plan_actions(const AgentInput& in) const override;
  std::optional<FollowupRequest> plan_followup(const AgentInput& in) const override;

 private:
  struct Plan {
    std::string_view rule;
    const Product* service = nullptr;
    std::string reason;
  };
  // The rule that applies, or nullopt with `why_not` set.
  std::optional<Plan> pick(const AgentInput& in, std::string& why_not) const;
  std::string message_for(const Plan& plan, const AgentInput& in) const;
  // The channel under the config's preference, the consumer's consent and the window.
  std::optional<Channel> channel_for(const AgentInput& in) const;

  GenericSalesConfig config_;
};

}  // namespace ca::agents
