#pragma once

#include "store/analytics_repo.hpp"
#include "store/sql.hpp"

namespace ca::store {

class SqlAnalyticsRepo final : public AnalyticsRepo {
 public:
  explicit SqlAnalyticsRepo(SqlSession& s) : s_(s) {}
  Result<std::vector<KeyCount>> consumers_by_stage(const Tenant& t, const TimeRange& r) override;
  Result<std::vector<KeyCount>> events_by_type(const Tenant& t, const TimeRange& r) override;
  Result<std::vector<KeyCount>> invocations_by_status(const Tenant& t, const TimeRange& r) override;
  Result<std::vector<ActionCount>> actions_breakdown(const Tenant& t, const TimeRange& r) override;
  Result<std::vector<BucketCount>> event_series(const Tenant& t, const TimeRange& r,
                                                std::chrono::microseconds bucket) override;
  Result<std::vector<BucketCount>> message_series(const Tenant& t, const TimeRange& r,
                                                  std::chrono::microseconds bucket) override;
  Result<std::vector<Payment>> payments(const Tenant& t, const TimeRange& r,
                                        std::chrono::microseconds attribution_window) override;
  Result<std::int64_t> messaged_consumers(const Tenant& t, const TimeRange& r) override;
  Result<std::vector<std::string>> messaged_consumer_ids(const Tenant& t,
                                                         const TimeRange& r) override;
  Result<std::vector<SentMessage>> sent_messages(const Tenant& t) override;
  Result<std::int64_t> actions_sent_twice(const Tenant& t) override;
  Result<std::int64_t> decisions_sent_twice(const Tenant& t) override;
  Result<std::int64_t> count_events(const Tenant& t) override;

 private:
  SqlSession& s_;
};

}  // namespace ca::store
