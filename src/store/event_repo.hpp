// Events: append-only, idempotent per (creator, key), read back by filters and timeline.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/entities.hpp"
#include "domain/result.hpp"

namespace ca::store {

struct EventFilter {
  std::optional<std::string> consumer_id;
  std::optional<std::string> type;
  std::optional<Timestamp> start;  // occurred_at >= start
  std::optional<Timestamp> end;    // occurred_at < end
};

class EventRepo {
 public:
  virtual ~EventRepo() = default;
  // conflict (field "id") when (creator_id, idempotency_key) already exists.
  virtual Result<void> insert(const Event& e) = 0;
  // One multi-row statement per chunk; the caller has already removed duplicates.
  virtual Result<void> insert_many(const std::vector<Event>& events) = 0;
  virtual Result<std::optional<Event>> find_by_key(const std::string& creator_id,
                                                   const std::string& idempotency_key) = 0;
  // Of the given keys, the events that already exist (for batch deduplication).
  virtual Result<std::vector<Event>> find_by_keys(const std::string& creator_id,
                                                  const std::vector<std::string>& keys) = 0;
  virtual Result<Event> get(const Tenant& t, const std::string& id) = 0;
  // The events among `ids` (any order, unknown ids left out; workers, no tenant check).
  virtual Result<std::vector<Event>> get_many(const std::vector<std::string>& ids) = 0;
  // Newest received first (ids are time-ordered).
  virtual Result<Page<Event>> list(const Tenant& t, const EventFilter& f,
                                   const PageRequest& page) = 0;
  // One consumer's events by occurred_at, newest first; the cursor is an event id.
  virtual Result<Page<Event>> timeline(const Tenant& t, const std::string& consumer_id,
                                       const PageRequest& page) = 0;
};

}  // namespace ca::store
