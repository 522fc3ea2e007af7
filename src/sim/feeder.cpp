#include "sim/feeder.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "actions/actions.hpp"
#include "ingest/ingest_service.hpp"
#include "onboarding/onboarding_service.hpp"
#include "onboarding/sources.hpp"
#include "store/agent_repo.hpp"

namespace ca::sim {

namespace {

std::vector<std::string> fixture_usernames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(onboarding::default_fixtures_dir(), ec)) {
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<void> set_agent_config(store::Store& store, const Agent& deployed,
                              const std::string& config_json, Timestamp now) {
  return store::in_tx(store, store::TxMode::write, [&](store::Tx& tx) -> Result<void> {
    Agent a = deployed;
    a.config_json = config_json;
    a.updated_at = now;
    return tx.agents().update(Tenant::admin(), a, store::TriggerUpdate::keep);
  });
}

}  // namespace

Result<std::vector<CreatorRef>> onboard_fixture_creators(store::Store& store,
                                                         onboarding::OnboardingService& svc,
                                                         const std::string& agent_config_json,
                                                         const Clock& clock) {
  std::vector<CreatorRef> out;
  for (const auto& username : fixture_usernames()) {
    auto started = svc.start(onboarding::StartRequest{username, std::nullopt, std::nullopt},
                             /*enqueue=*/false);
    if (!started) return std::move(started).error();
    CA_CHECK(svc.run(started->onboarding_id));
    auto run = svc.status(Tenant::admin(), started->onboarding_id);
    if (!run) return std::move(run).error();
    if (run->status != store::OnboardingStatus::completed) {
      spdlog::warn("onboarding {} did not complete: {}", username, run->error.value_or("?"));
      continue;
    }
    auto deployed = svc.deploy_agent(Tenant::admin(), started->creator_id);
    if (!deployed) return std::move(deployed).error();
    if (!agent_config_json.empty()) {
      CA_CHECK(set_agent_config(store, deployed->agent, agent_config_json, clock.now()));
    }
    CreatorRef c;
    c.id = started->creator_id;
    c.username = username;
    auto products = store::in_tx(store, store::TxMode::read, [&](store::Tx& tx) {
      PageRequest page;
      page.limit = 500;
      return tx.products().list(Tenant::creator(c.id), page);
    });
    if (!products) return std::move(products).error();
    for (const auto& p : products->items) c.services.push_back(ServiceRef{p.id, p.price});
    std::reverse(c.services.begin(), c.services.end());  // oldest first: stable indexes
    out.push_back(std::move(c));
  }
  if (out.empty()) return Error::invalid("fixtures", "no fixture creator could be onboarded");
  return out;
}

Result<std::string> Feeder::consumer_id(const Persona& p, int index) {
  if (auto it = consumer_ids_.find(index); it != consumer_ids_.end()) return it->second;
  const std::string& creator = creator_ids_.at(static_cast<size_t>(p.creator));
  const Timestamp now = clock_.now();
  auto id = store::in_tx(store_, store::TxMode::write, [&](store::Tx& tx) -> Result<std::string> {
    auto existing = tx.consumers().find_by(creator, store::ConsumerKey::external_id, p.external_id);
    if (!existing) return std::move(existing).error();
    if (*existing) return (*existing)->id;
    Consumer c;
    c.id = ids_.next();
    c.creator_id = creator;
    c.name = p.name;
    c.email = p.email;
    c.whatsapp = p.whatsapp;
    c.external_id = p.external_id;
    c.timezone = p.timezone;
    if (p.whatsapp) c.consent[Channel::whatsapp] = Consent{p.consent_whatsapp, "signup_form", now};
    if (p.email) c.consent[Channel::email] = Consent{p.consent_email, "signup_form", now};
    c.created_at = c.updated_at = now;
    CA_CHECK(tx.consumers().insert(c));
    ++counters_.consumers_created;
    return c.id;
  });
  if (!id) return std::move(id).error();
  consumer_ids_[index] = *id;
  persona_index_[*id] = index;
  return *id;
}

Result<void> Feeder::apply(const PlannedEvent& e, const Persona& p,
                           std::optional<Timestamp> occurred_at) {
  auto id = consumer_id(p, e.consumer);
  if (!id) return std::move(id).error();
  if (e.kind == ActionKind::stop) {
    if (!p.whatsapp) return ok();
    auto r = actions_.opt_out(*p.whatsapp, "whatsapp_inbound_stop");
    if (!r) return std::move(r).error();
    ++counters_.stops;
    return ok();
  }
  ingest::EventRequest req;
  req.consumer.id = *id;
  req.type = e.type;
  req.source = "webhook";
  req.occurred_at = occurred_at.value_or(e.at);
  req.payload_json = e.payload_json;
  auto r = ingest_.ingest_item(
      ingest::IngestItem{creator_ids_.at(static_cast<size_t>(p.creator)), &req});
  if (!r) {
    ++counters_.errors;
    spdlog::warn("traffic: {} event not ingested: {}", e.type, r.error().message);
    return ok();
  }
  if (!r->duplicate) ++counters_.events;
  return ok();
}

std::optional<int> Feeder::persona_of(const std::string& consumer_id) const {
  auto it = persona_index_.find(consumer_id);
  if (it == persona_index_.end()) return std::nullopt;
  return it->second;
}

}  // namespace ca::sim
