#pragma once

#include "store/event_repo.hpp"
#include "store/sql.hpp"

namespace ca::store {

class SqlEventRepo final : public EventRepo {
 public:
  explicit SqlEventRepo(SqlSession& s) : s_(s) {}
  Result<void> insert(const Event& e) override;
  Result<void> insert_many(const std::vector<Event>& events) override;
  Result<std::optional<Event>> find_by_key(const std::string& creator_id,
                                           const std::string& idempotency_key) override;
  Result<std::vector<Event>> find_by_keys(const std::string& creator_id,
                                          const std::vector<std::string>& keys) override;
  Result<Event> get(const Tenant& t, const std::string& id) override;
  Result<std::vector<Event>> get_many(const std::vector<std::string>& ids) override;
  Result<Page<Event>> list(const Tenant& t, const EventFilter& f, const PageRequest& page) override;
  Result<Page<Event>> timeline(const Tenant& t, const std::string& consumer_id,
                               const PageRequest& page) override;

 private:
  SqlSession& s_;
};

}  // namespace ca::store
