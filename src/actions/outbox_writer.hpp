// The sandbox channel's OutboxWriter over the store: one outbox row per action
// (idempotent), in its own short transaction.
#pragma once

#include "channels/channel.hpp"
#include "domain/ids.hpp"
#include "domain/time.hpp"
#include "store/store.hpp"

namespace ca::actions {

class StoreOutboxWriter final : public channels::OutboxWriter {
 public:
  StoreOutboxWriter(store::Store& store, const Clock& clock, IdGenerator& ids)
      : store_(store), clock_(clock), ids_(ids) {}
  Result<std::string> record(const channels::OutboundMessage& message) override;

 private:
  store::Store& store_;
  const Clock& clock_;
  IdGenerator& ids_;
};

}  // namespace ca::actions
