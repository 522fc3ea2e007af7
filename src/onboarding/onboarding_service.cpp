#include "onboarding/onboarding_service.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "domain/paging.hpp"
#include "domain/validation.hpp"
#include "jobs/waker.hpp"
#include "jobs/worker_pool.hpp"
#include "onboarding/llm_profile.hpp"
#include "onboarding/offline_engine.hpp"
#include "onboarding/sources.hpp"

namespace ca::onboarding {

namespace bj = boost::json;
using store::OnboardingRun;
using store::OnboardingStatus;
using store::TxMode;

namespace {

constexpr int kJobAttempts = 3;
constexpr std::size_t kProductTextMax = 10'000;

// A creator made by onboarding before its data arrives: the username stands in for the
// name, and an address under .invalid (RFC 2606) for the email until one is given.
std::string placeholder_email(const std::string& username) {
  return normalize_email(username + "@onboarding.invalid");
}

std::string request_json(const std::string& kind, const std::string& username,
                         const std::optional<std::string>& name,
                         const std::optional<std::string>& email, const std::string& source) {
  bj::object o{{"kind", kind}, {"username", username}, {"source", source}};
  if (name) o["name"] = *name;
  if (email) o["email"] = *email;
  return bj::serialize(o);
}

// The product a source service is stored as: keyed by its URL, which is the service's own
// or https://topmate.io/<username>/<service id> (Topmate's link shape) when it has none.
std::string product_url(const CreatorData& d, const ProfileService& s) {
  return s.url.value_or("https://topmate.io/" + d.username + "/" + s.source_id);
}

Result<std::vector<Product>> all_products(store::Tx& tx, const std::string& creator_id) {
  return all_pages<Product>([&](const PageRequest& page) {
    return tx.products().list(Tenant::creator(creator_id), page);
  });
}

// Upserts one Product per service and points the profile's service ids at them, so that
// the agents (which read Products) see the new profile without a redeploy.
Result<void> sync_products(store::Tx& tx, IdGenerator& ids, Timestamp now,
                           const std::string& creator_id, const CreatorData& d,
                           std::vector<ProfileService>& services) {
  auto existing = all_products(tx, creator_id);
  if (!existing) return std::move(existing).error();
  for (auto& s : services) {
    const std::string url = product_url(d, s);
    auto it = std::find_if(existing->begin(), existing->end(),
                           [&](const Product& p) { return p.url && *p.url == url; });
    Product p = it != existing->end() ? *it : Product{};
    p.name = s.name;
    p.type = s.type;
    p.price = s.price;
    p.description = s.description.empty()
                        ? std::nullopt
                        : std::optional<std::string>(s.description.substr(0, kProductTextMax));
    p.url = url;
    p.updated_at = now;
    if (it != existing->end()) {
      CA_CHECK(tx.products().update(Tenant::creator(creator_id), p));
    } else {
      p.id = ids.next();
      p.creator_id = creator_id;
      p.created_at = now;
      CA_CHECK(tx.products().insert(p));
      existing->push_back(p);
    }
    s.id = p.id;
    s.url = url;
  }
  return ok();
}

}  // namespace

OnboardingService::OnboardingService(store::Store& store, const Clock& clock, IdGenerator& ids,
                                     CreatorSource& source, llm::LlmClient* llm, jobs::Waker* waker)
    : store_(store), clock_(clock), ids_(ids), source_(source), llm_(llm), waker_(waker) {}

Result<Started> OnboardingService::create_run(store::Tx& tx, const std::string& creator_id,
                                              const std::string& username,
                                              const std::string& request, bool enqueue) {
  const Timestamp now = clock_.now();
  OnboardingRun run;
  run.id = ids_.next();
  run.creator_id = creator_id;
  run.username = username;
  run.request_json = request;
  run.created_at = run.updated_at = now;
  CA_CHECK(tx.onboardings().insert(run));
  if (enqueue) {
    store::NewJob job;
    job.id = ids_.next();
    job.kind = kJobKind;
    job.creator_id = creator_id;
    job.payload_json = bj::serialize(bj::object{{"onboarding_id", run.id}});
    job.max_attempts = kJobAttempts;
    job.run_at = now;
    CA_CHECK(tx.jobs().enqueue(job, now));
  }
  return Started{run.id, creator_id};
}

Result<Started> OnboardingService::start(const StartRequest& r, bool enqueue) {
  if (!is_username(r.username)) {
    return Error::invalid("username", "username must be 1-64 letters, digits, '_', '.' or '-'");
  }
  if (r.email && !is_email(*r.email)) return Error::invalid("email", "email is not valid");
  auto started = store::in_tx(store_, TxMode::write, [&](store::Tx& tx) -> Result<Started> {
    auto found = tx.onboardings().find_creator_by_username(r.username);
    if (!found) return std::move(found).error();
    const Timestamp now = clock_.now();
    std::string creator_id;
    if (*found) {
      creator_id = **found;
      auto c = tx.creators().get(Tenant::admin(), creator_id);
      if (!c) return std::move(c).error();
      if (r.name || r.email) {
        if (r.name) c->name = *r.name;
        if (r.email) c->email = normalize_email(*r.email);
        c->updated_at = now;
        CA_CHECK(tx.creators().update(Tenant::admin(), *c));
      }
    } else {
      Creator c;
      c.id = creator_id = ids_.next();
      c.name = r.name.value_or(r.username);
      c.email = r.email ? normalize_email(*r.email) : placeholder_email(r.username);
      c.external_username = r.username;
      c.created_at = c.updated_at = now;
      CA_CHECK(tx.creators().insert(c));
    }
    return create_run(tx, creator_id, r.username,
                      request_json("onboard", r.username, r.name, r.email, source_.name()),
                      enqueue);
  });
  if (started && enqueue && waker_ != nullptr) waker_->notify();
  return started;
}

Result<Started> OnboardingService::sync(const Tenant& t, const std::string& creator_id) {
  auto started = store::in_tx(store_, TxMode::write, [&](store::Tx& tx) -> Result<Started> {
    auto c = tx.creators().get(t, creator_id);
    if (!c) return std::move(c).error();
    if (!c->external_username || !is_username(*c->external_username)) {
      return Error::invalid("creator_id",
                            "this creator has no external_username to sync from; onboard it "
                            "with POST /onboarding/ first");
    }
    return create_run(
        tx, c->id, *c->external_username,
        request_json("sync", *c->external_username, std::nullopt, std::nullopt, source_.name()),
        true);
  });
  if (started && waker_ != nullptr) waker_->notify();
  return started;
}

Result<void> OnboardingService::set_step(const std::string& id, std::string_view step) {
  return store::in_tx(store_, TxMode::write, [&](store::Tx& tx) -> Result<void> {
    auto run = tx.onboardings().get(Tenant::admin(), id);
    if (!run) return std::move(run).error();
    run->step = std::string(step);
    run->updated_at = clock_.now();
    return tx.onboardings().update(*run);
  });
}

Result<void> OnboardingService::finish_failed(const std::string& id, const std::string& error) {
  spdlog::warn("onboarding {} failed: {}", id, error);
  return store::in_tx(store_, TxMode::write, [&](store::Tx& tx) -> Result<void> {
    auto run = tx.onboardings().get(Tenant::admin(), id);
    if (!run) return std::move(run).error();
    run->status = OnboardingStatus::failed;
    run->error = error;
    run->updated_at = clock_.now();
    return tx.onboardings().update(*run);
  });
}

Result<void> OnboardingService::run(const std::string& id, const ProgressFn& progress) {
  auto say = [&](std::string_view step, std::string_view detail) {
    if (progress) progress(step, detail);
  };
  auto run = store::in_tx(store_, TxMode::read,
                          [&](store::Tx& tx) { return tx.onboardings().get(Tenant::admin(), id); });
  if (!run) return std::move(run).error();
  if (run->status != OnboardingStatus::processing) return ok();  // a re-delivered job

  CA_CHECK(set_step(id, "fetching"));
  say("fetching", run->username + " from " + source_.name());
  auto record = source_.fetch(run->username);
  if (!record) {
    const Error& e = record.error();
    std::string message =
        e.code == ErrorCode::not_found
            ? "creator not found: no creator \"" + run->username + "\" at " + source_.name()
            : "could not read creator data from " + source_.name() + ": " + e.message;
    say("failed", message);
    return finish_failed(id, message);
  }
  const CreatorData& data = record->data;
  say("fetched", data.name + ", " + std::to_string(data.services.size()) + " service(s)");

  CA_CHECK(set_step(id, "generating"));
  SalesProfile profile;
  std::string generated_by = kOfflineGenerator;
  std::optional<std::string> usage;
  bj::object response{{"source", source_.name()}};
  if (llm_ != nullptr) {
    say("generating", "with " + std::string("the model"));
    auto generated = generate_with_llm(*llm_, data);
    if (generated) {
      profile = std::move(generated->profile);
      generated_by = generated->model;
      usage = generated->summary_json;
      response["llm"] = bj::parse(generated->summary_json);
    } else {
      // Decided: a model that refuses or fails still leaves the creator a usable,
      // grounded profile. The failure is recorded and the profile says "offline".
      spdlog::warn("onboarding {}: LLM failed ({}); using the offline engine", id,
                   generated.error().message);
      response["llm_error"] = generated.error().message;
      response["fallback"] = kOfflineGenerator;
      profile = generate_offline(data);
    }
  } else {
    say("generating", "offline engine");
    profile = generate_offline(data);
  }

  CA_CHECK(set_step(id, "storing"));
  say("storing", std::to_string(profile.services.size()) + " service(s) as products");
  const Timestamp now = clock_.now();
  auto stored = store::in_tx(store_, TxMode::write, [&](store::Tx& tx) -> Result<void> {
    CA_CHECK(tx.onboardings().lock_creator(run->creator_id));
    auto creator = tx.creators().get(Tenant::admin(), run->creator_id);
    if (!creator) return std::move(creator).error();
    // The source's display name replaces the username placeholder, never a given name.
    boost::system::error_code ec;
    bj::value req = bj::parse(run->request_json, ec);
    const bool name_given = req.is_object() && req.as_object().contains("name");
    if (!name_given && creator->name == run->username && data.name != creator->name) {
      creator->name = data.name;
      creator->updated_at = now;
      CA_CHECK(tx.creators().update(Tenant::admin(), *creator));
    }
    CA_CHECK(sync_products(tx, ids_, now, run->creator_id, data, profile.services));
    store::StoredProfile sp;
    sp.creator_id = run->creator_id;
    sp.profile_json = bj::serialize(to_json(profile));
    sp.raw_data_json = record->raw_json;
    sp.generated_by = generated_by;
    sp.llm_usage_json = usage;
    sp.last_synced_at = now;
    sp.updated_at = now;
    CA_CHECK(tx.profiles().upsert(sp));
    auto current = tx.onboardings().get(Tenant::admin(), id);
    if (!current) return std::move(current).error();
    current->status = OnboardingStatus::completed;
    current->step = "done";
    current->error.reset();
    current->response_json = bj::serialize(response);
    current->usage_json = usage;
    current->updated_at = now;
    return tx.onboardings().update(*current);
  });
  if (!stored) return stored;
  say("completed", "profile generated by " + generated_by);
  return ok();
}

Result<void> OnboardingService::handle_job(const store::Job& job) {
  boost::system::error_code ec;
  bj::value payload = bj::parse(job.payload_json, ec);
  const bj::value* id =
      (!ec && payload.is_object()) ? payload.as_object().if_contains("onboarding_id") : nullptr;
  if (id == nullptr || !id->is_string()) {
    return Error::invalid("payload", "onboarding job without onboarding_id");
  }
  const std::string onboarding_id(id->as_string());
  auto r = run(onboarding_id);
  if (!r && job.attempts >= job.max_attempts) {
    // The last attempt: leave no run "processing" forever.
    (void)finish_failed(onboarding_id, "onboarding failed: " + r.error().message);
  }
  return r;
}

void OnboardingService::register_with(jobs::WorkerPool& pool) {
  pool.register_handler(kJobKind, [this](const store::Job& job) { return handle_job(job); });
}

Result<store::OnboardingRun> OnboardingService::status(const Tenant& t, const std::string& id) {
  return store::in_tx(store_, TxMode::read,
                      [&](store::Tx& tx) { return tx.onboardings().get(t, id); });
}

Result<store::StoredProfile> OnboardingService::profile(const Tenant& t,
                                                        const std::string& creator_id) {
  return store::in_tx(store_, TxMode::read,
                      [&](store::Tx& tx) { return tx.profiles().get(t, creator_id); });
}

}  // namespace ca::onboarding
