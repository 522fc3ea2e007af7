// Sending actions: lifecycle transitions, send attempts, the sandbox outbox, delivery
// status from webhooks. Owned by the actions work; see actions/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/entities.hpp"
#include "domain/result.hpp"

namespace ca::store {

class DeliveryRepo {
 public:
  virtual ~DeliveryRepo() = default;
};

}  // namespace ca::store
