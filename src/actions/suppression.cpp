#include "actions/suppression.hpp"

#include <algorithm>
#include <cctype>

#include "domain/digest.hpp"
#include "store/delivery_repo.hpp"
#include "store/store.hpp"

namespace ca::actions {

std::optional<std::string> contact_for(const Consumer& c, Channel ch) {
  const auto& v = ch == Channel::email ? c.email : c.whatsapp;
  if (!v || v->empty()) return std::nullopt;
  return v;
}

std::string address_hash(Channel ch, std::string_view address) {
  std::string key(address);
  if (ch == Channel::email) {
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  return sha256_hex(key);
}

Result<void> suppress_address(store::Tx& tx, const Action& a, const std::string& address,
                              const std::string& reason, Timestamp at) {
  store::Suppression s;
  s.consumer_id = a.consumer_id;
  s.creator_id = a.creator_id;
  s.channel = a.channel;
  s.address_hash = address_hash(a.channel, address);
  s.reason = reason;
  s.at = at;
  return tx.delivery().suppress(s);
}

Result<void> suppress_current_address(store::Tx& tx, const Action& a, const std::string& reason,
                                      Timestamp at) {
  if (a.consumer_id.empty()) return ok();
  auto consumer = tx.consumers().get(Tenant::admin(), a.consumer_id);
  if (!consumer) {
    if (consumer.error().code == ErrorCode::not_found) return ok();  // erased meanwhile
    return std::move(consumer).error();
  }
  const auto address = contact_for(*consumer, a.channel);
  if (!address) return ok();
  return suppress_address(tx, a, *address, reason, at);
}

Result<std::optional<std::string>> suppressed_because(store::Tx& tx, const std::string& consumer_id,
                                                      Channel ch, const std::string& address) {
  auto s = tx.delivery().suppression(consumer_id, ch);
  if (!s) return std::move(s).error();
  if (!*s || (*s)->address_hash != address_hash(ch, address)) {
    return std::optional<std::string>{};
  }
  return std::optional<std::string>{(*s)->reason + " at " + format_rfc3339((*s)->at)};
}

}  // namespace ca::actions
