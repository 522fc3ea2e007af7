#include "ingest/consumer_resolution.hpp"

#include <array>
#include <map>
#include <set>
#include <tuple>
#include <utility>

namespace ca::ingest {

namespace {

using store::ConsumerKey;

// The identities a ref carries, in the order they are tried.
std::array<std::pair<ConsumerKey, const std::optional<std::string>*>, 3> identities(
    const ConsumerRef& ref) {
  return {{{ConsumerKey::external_id, &ref.external_id},
           {ConsumerKey::email, &ref.email},
           {ConsumerKey::whatsapp, &ref.whatsapp}}};
}

using Known = std::map<std::tuple<std::string, ConsumerKey, std::string>, std::string>;

}  // namespace

Result<Resolution> resolve_consumers(store::Tx& tx, const std::vector<const IngestItem*>& items,
                                     IdGenerator& ids, Timestamp now) {
  // 1. Everything to look up, per creator and key.
  std::map<std::pair<std::string, ConsumerKey>, std::set<std::string>> wanted;
  for (const IngestItem* item : items) {
    const ConsumerRef& ref = item->request->consumer;
    if (ref.id) {
      wanted[{item->creator_id, ConsumerKey::id}].insert(*ref.id);
      continue;
    }
    for (const auto& [key, value] : identities(ref)) {
      if (*value) wanted[{item->creator_id, key}].insert(**value);
    }
  }
  Known known;
  for (const auto& [where, values] : wanted) {
    const auto& [creator, key] = where;
    auto found = tx.consumers().find_ids_by(creator, key,
                                            std::vector<std::string>(values.begin(), values.end()));
    if (!found) return std::move(found).error();
    for (auto& [value, id] : *found) known.emplace(std::make_tuple(creator, key, value), id);
  }

  // 2. In arrival order; a consumer created here is known to the items after it.
  Resolution res;
  std::vector<ResolvedConsumer>& out = res.consumers;
  out.reserve(items.size());
  std::vector<Consumer> created;
  for (const IngestItem* item : items) {
    const ConsumerRef& ref = item->request->consumer;
    const std::string& creator = item->creator_id;
    if (ref.id) {
      auto it = known.find({creator, ConsumerKey::id, *ref.id});
      if (it == known.end()) {
        out.emplace_back(Error{ErrorCode::not_found, "consumer not found", "consumer_id"});
      } else {
        out.emplace_back(std::optional<std::string>{it->second});
      }
      continue;
    }
    if (ref.empty()) {
      out.emplace_back(std::optional<std::string>{});
      continue;
    }
    std::optional<std::string> id;
    for (const auto& [key, value] : identities(ref)) {
      if (!*value) continue;
      if (auto it = known.find({creator, key, **value}); it != known.end()) {
        id = it->second;
        break;
      }
    }
    if (!id) {
      Consumer c;
      c.id = ids.next();
      c.creator_id = creator;
      c.name = ref.name;
      c.email = ref.email;
      c.whatsapp = ref.whatsapp;
      c.external_id = ref.external_id;
      c.timezone = ref.timezone;
      c.created_at = c.updated_at = now;
      for (const auto& [key, value] : identities(ref)) {
        if (*value) known.emplace(std::make_tuple(creator, key, **value), c.id);
      }
      id = c.id;
      res.created.insert(c.id);
      created.push_back(std::move(c));
    }
    out.emplace_back(std::move(id));
  }
  if (!created.empty()) {
    CA_CHECK(tx.consumers().insert_many(created, store::ConsumerRepo::NewContexts::by_caller));
  }
  return res;
}

}  // namespace ca::ingest
