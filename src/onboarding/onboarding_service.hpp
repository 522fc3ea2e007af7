// Onboarding a creator by username: fetch their public data, generate a grounded sales
// profile (LLM or offline), store it with the source data, mirror the services as the
// creator's Products (what GenericSalesAgent pitches), and deploy a sales agent.
//
// The work runs as a job ("onboarding.run") on the worker pool, enqueued in the same
// transaction that records the onboarding run; the CLI runs the same code inline.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "domain/entities.hpp"
#include "domain/ids.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"
#include "store/job_repo.hpp"
#include "store/onboarding_repo.hpp"
#include "store/store.hpp"

namespace ca::jobs {
class WorkerPool;
class Waker;
}  // namespace ca::jobs
namespace ca::llm {
class LlmClient;
}

namespace ca::onboarding {

class CreatorSource;

inline constexpr const char* kJobKind = "onboarding.run";
// The events the deployed sales agent reacts to (its inactivity follow-up is part of the
// generic_sales config).
inline constexpr std::string_view kAgentTriggers[] = {"page_view", "service_click",
                                                      "booking_created", "payment_failed"};

struct StartRequest {
  std::string username;
  std::optional<std::string> name;
  std::optional<std::string> email;
};

struct Started {
  std::string onboarding_id;
  std::string creator_id;
};

struct Deployed {
  Agent agent;
  bool created = false;  // false: the creator's existing sales agent
};

// Called at each step by run(): ("fetching", "ajay_shenoy from fixtures"), ...
using ProgressFn = std::function<void(std::string_view step, std::string_view detail)>;

class OnboardingService {
 public:
  // `llm` null: the offline engine. `waker` (nullable) is told about enqueued jobs.
  OnboardingService(store::Store& store, const Clock& clock, IdGenerator& ids,
                    CreatorSource& source, llm::LlmClient* llm, jobs::Waker* waker);

  // Creates the creator (or finds it by username and updates name/email when given), the
  // onboarding run, and — when `enqueue` — its job. Admin only (the API checks).
  Result<Started> start(const StartRequest& request, bool enqueue = true);
  // Re-fetches and regenerates an onboarded creator's profile (same job).
  Result<Started> sync(const Tenant& t, const std::string& creator_id);
  // The job body: fetch → generate → store. A run that cannot succeed (unknown username,
  // unreadable data, unreachable source) ends `failed` and returns ok; store errors are
  // returned (the job retries).
  Result<void> run(const std::string& onboarding_id, const ProgressFn& progress = {});
  Result<void> handle_job(const store::Job& job);
  void register_with(jobs::WorkerPool& pool);

  Result<store::OnboardingRun> status(const Tenant& t, const std::string& onboarding_id);
  Result<store::StoredProfile> profile(const Tenant& t, const std::string& creator_id);
  Result<Deployed> deploy_agent(const Tenant& t, const std::string& creator_id);
  Result<Page<Agent>> agents(const Tenant& t, const std::string& creator_id,
                             const PageRequest& page);

  const CreatorSource& source() const { return source_; }

 private:
  Result<Started> create_run(store::Tx& tx, const std::string& creator_id,
                             const std::string& username, const std::string& request_json,
                             bool enqueue);
  Result<void> set_step(const std::string& id, std::string_view step);
  Result<void> finish_failed(const std::string& id, const std::string& error);

  store::Store& store_;
  const Clock& clock_;
  IdGenerator& ids_;
  CreatorSource& source_;
  llm::LlmClient* llm_;
  jobs::Waker* waker_;
};

}  // namespace ca::onboarding
