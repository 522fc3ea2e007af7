#include "store/sql_onboarding_repo.hpp"

#include "store/repos.hpp"

namespace ca::store {
namespace {

constexpr const char* kSelectRun =
    "SELECT id, creator_id, username, status, step, error, request, response, usage, "
    "created_at, updated_at FROM onboarding_logs WHERE id = $1";

OnboardingRun read_run(const SqlRow& r) {
  OnboardingRun o;
  o.id = r.text(0);
  o.creator_id = r.text(1);
  o.username = r.text(2);
  // An unknown status reads as failed: nothing waits forever on a row it cannot parse.
  o.status = parse_onboarding_status(r.text(3)).value_or(OnboardingStatus::failed);
  o.step = r.text(4);
  o.error = r.opt_text(5);
  o.request_json = r.is_null(6) ? "{}" : r.text(6);
  o.response_json = r.opt_text(7);
  o.usage_json = r.opt_text(8);
  o.created_at = r.time(9);
  o.updated_at = r.time(10);
  return o;
}

}  // namespace

const char* to_string(OnboardingStatus s) {
  switch (s) {
    case OnboardingStatus::processing: return "processing";
    case OnboardingStatus::completed: return "completed";
    case OnboardingStatus::failed: return "failed";
  }
  return "failed";
}

std::optional<OnboardingStatus> parse_onboarding_status(std::string_view s) {
  if (s == "processing") return OnboardingStatus::processing;
  if (s == "completed") return OnboardingStatus::completed;
  if (s == "failed") return OnboardingStatus::failed;
  return std::nullopt;
}

Result<void> SqlProfileRepo::upsert(const StoredProfile& p) {
  if (!valid_id(p.creator_id)) return Error::invalid("creator_id", "creator_id must be a UUID");
  return run(s_,
             "INSERT INTO creator_profiles (creator_id, profile, raw_data, generated_by, "
             "llm_usage, last_synced_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
             "ON CONFLICT (creator_id) DO UPDATE SET profile = excluded.profile, "
             "raw_data = excluded.raw_data, generated_by = excluded.generated_by, "
             "llm_usage = excluded.llm_usage, last_synced_at = excluded.last_synced_at, "
             "updated_at = excluded.updated_at",
             {p.creator_id, p.profile_json, sql_opt(p.raw_data_json), p.generated_by,
              sql_opt(p.llm_usage_json), sql_opt_time(p.last_synced_at), sql_time(p.updated_at)});
}

Result<StoredProfile> SqlProfileRepo::get(const Tenant& t, const std::string& creator_id) {
  if (!valid_id(creator_id)) return not_found("profile");
  SqlParams p{creator_id};
  std::string sql =
      "SELECT creator_id, profile, raw_data, generated_by, llm_usage, last_synced_at, "
      "updated_at FROM creator_profiles WHERE creator_id = $1" +
      tenant_clause(t, "creator_id", p);
  auto r = s_.query(sql, p);
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return not_found("profile");
  const SqlRow& row = r->rows.front();
  StoredProfile out;
  out.creator_id = row.text(0);
  out.profile_json = row.is_null(1) ? "{}" : row.text(1);
  out.raw_data_json = row.opt_text(2);
  out.generated_by = row.text(3);
  out.llm_usage_json = row.opt_text(4);
  out.last_synced_at = row.opt_time(5);
  out.updated_at = row.time(6);
  return out;
}

Result<void> SqlOnboardingRepo::insert(const OnboardingRun& o) {
  if (!valid_id(o.id)) return Error::invalid("id", "id must be a UUID");
  if (!valid_id(o.creator_id)) return Error::invalid("creator_id", "creator_id must be a UUID");
  return run(s_,
             "INSERT INTO onboarding_logs (id, creator_id, username, status, step, error, "
             "request, response, usage, created_at, updated_at) "
             "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
             {o.id, o.creator_id, o.username, std::string(to_string(o.status)), o.step,
              sql_opt(o.error), o.request_json, sql_opt(o.response_json), sql_opt(o.usage_json),
              sql_time(o.created_at), sql_time(o.updated_at)});
}

Result<OnboardingRun> SqlOnboardingRepo::get(const Tenant& t, const std::string& id) {
  if (!valid_id(id)) return not_found("onboarding");
  SqlParams p{id};
  auto r = s_.query(std::string(kSelectRun) + tenant_clause(t, "creator_id", p), p);
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return not_found("onboarding");
  return read_run(r->rows.front());
}

Result<void> SqlOnboardingRepo::update(const OnboardingRun& o) {
  if (!valid_id(o.id)) return not_found("onboarding");
  return run_one(s_,
                 "UPDATE onboarding_logs SET status = $2, step = $3, error = $4, response = $5, "
                 "usage = $6, updated_at = $7 WHERE id = $1",
                 {o.id, std::string(to_string(o.status)), o.step, sql_opt(o.error),
                  sql_opt(o.response_json), sql_opt(o.usage_json), sql_time(o.updated_at)},
                 "onboarding");
}

Result<std::optional<std::string>> SqlOnboardingRepo::find_creator_by_username(
    const std::string& username) {
  auto r = s_.query("SELECT id FROM creators WHERE external_username = $1", {username});
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return std::optional<std::string>{};
  return std::optional<std::string>{r->rows.front().text(0)};
}

Result<void> SqlOnboardingRepo::lock_creator(const std::string& creator_id) {
  if (!valid_id(creator_id)) return not_found("creator");
  const std::string sql = s_.dialect() == Dialect::postgres
                              ? "SELECT id FROM creators WHERE id = $1 FOR UPDATE"
                              : "SELECT id FROM creators WHERE id = $1";
  auto r = s_.query(sql, {creator_id});
  if (!r) return std::move(r).error();
  if (r->rows.empty()) return not_found("creator");
  return ok();
}

}  // namespace ca::store
