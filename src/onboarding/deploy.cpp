// Deploying the creator's sales agent, once: a second deploy returns the first agent.
#include "agents/registry.hpp"
#include "onboarding/onboarding_service.hpp"
#include "store/agent_repo.hpp"

namespace ca::onboarding {

namespace {

constexpr const char* kKind = "generic_sales";

Result<std::optional<Agent>> existing_sales_agent(store::Tx& tx, const std::string& creator_id) {
  PageRequest page;
  page.limit = 500;
  for (;;) {
    auto p = tx.agents().list(Tenant::creator(creator_id), page);
    if (!p) return std::move(p).error();
    // Lists are newest first: the last match is the first deployed.
    std::optional<Agent> found;
    for (auto& a : p->items) {
      if (a.kind == kKind) found = std::move(a);
    }
    if (found || !p->next_after_id) return found;
    page.after_id = p->next_after_id;
  }
}

}  // namespace

Result<Deployed> OnboardingService::deploy_agent(const Tenant& t, const std::string& creator_id) {
  return store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) -> Result<Deployed> {
    auto creator = tx.creators().get(t, creator_id);
    if (!creator) return std::move(creator).error();
    CA_CHECK(tx.onboardings().lock_creator(creator_id));
    auto existing = existing_sales_agent(tx, creator_id);
    if (!existing) return std::move(existing).error();
    if (*existing) return Deployed{std::move(**existing), false};

    Agent a;
    a.id = ids_.next();
    a.creator_id = creator_id;
    a.name = "Sales agent for " + creator->name;
    a.kind = kKind;
    a.config_json = "{}";  // generic_sales defaults, the inactivity follow-up included
    a.approval = Approval::automatic;
    a.created_at = a.updated_at = clock_.now();
    CA_CHECK(agents::validate_config(a.kind, a.config_json));
    for (std::string_view type : kAgentTriggers) {
      AgentTrigger trig;
      trig.id = ids_.next();
      trig.agent_id = a.id;
      trig.creator_id = creator_id;
      trig.event_type = std::string(type);
      a.triggers.push_back(std::move(trig));
    }
    CA_CHECK(tx.agents().insert(a));
    return Deployed{std::move(a), true};
  });
}

Result<Page<Agent>> OnboardingService::agents(const Tenant& t, const std::string& creator_id,
                                              const PageRequest& page) {
  return store::in_tx(store_, store::TxMode::read, [&](store::Tx& tx) -> Result<Page<Agent>> {
    auto creator = tx.creators().get(t, creator_id);
    if (!creator) return std::move(creator).error();
    return tx.agents().list(Tenant::creator(creator_id), page);
  });
}

}  // namespace ca::onboarding
