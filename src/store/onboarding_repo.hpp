// Creator profiles (creator_profiles) and onboarding runs (onboarding_logs).
// Owned by the onboarding work; see onboarding/. JSON columns are text here (jsonb on
// PostgreSQL, text on SQLite), like every other JSON column of the store.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/entities.hpp"
#include "domain/result.hpp"

namespace ca::store {

// One creator's generated sales profile and the source data it was generated from.
struct StoredProfile {
  std::string creator_id;
  std::string profile_json = "{}";  // the profile fields except generated_by/last_synced_at
  std::optional<std::string> raw_data_json;
  std::string generated_by;                   // "offline" or the model name
  std::optional<std::string> llm_usage_json;  // model, tokens, latency, repairs
  std::optional<Timestamp> last_synced_at;
  Timestamp updated_at{};
};

class ProfileRepo {
 public:
  virtual ~ProfileRepo() = default;
  // Inserts or replaces the creator's profile.
  virtual Result<void> upsert(const StoredProfile& p) = 0;
  // not_found when the creator has none (or belongs to another tenant).
  virtual Result<StoredProfile> get(const Tenant& t, const std::string& creator_id) = 0;
};

enum class OnboardingStatus { processing, completed, failed };
const char* to_string(OnboardingStatus s);
std::optional<OnboardingStatus> parse_onboarding_status(std::string_view s);

// One onboarding or sync run: progress (status, step), the request, the LLM summary.
struct OnboardingRun {
  std::string id;
  std::string creator_id;
  std::string username;
  OnboardingStatus status = OnboardingStatus::processing;
  std::string step = "queued";  // queued | fetching | generating | storing | done
  std::optional<std::string> error;
  std::string request_json = "{}";
  std::optional<std::string> response_json;  // LLM request/response summary, never a key
  std::optional<std::string> usage_json;
  Timestamp created_at{};
  Timestamp updated_at{};
};

class OnboardingRepo {
 public:
  virtual ~OnboardingRepo() = default;
  virtual Result<void> insert(const OnboardingRun& run) = 0;
  virtual Result<OnboardingRun> get(const Tenant& t, const std::string& id) = 0;
  // Replaces status, step, error, response, usage and updated_at.
  virtual Result<void> update(const OnboardingRun& run) = 0;
  // The creator onboarded under this username (creators.external_username), if any.
  virtual Result<std::optional<std::string>> find_creator_by_username(
      const std::string& username) = 0;
  // Holds the creator row until the transaction ends (PostgreSQL FOR UPDATE; SQLite's
  // single writer already serialises), so two deploys cannot both create an agent.
  virtual Result<void> lock_creator(const std::string& creator_id) = 0;
};

}  // namespace ca::store
