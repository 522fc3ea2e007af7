// Agents with their triggers, the invocations they run, and the actions they plan.
// (Filled in by the agents storage work.)
#pragma once

#include "domain/entities.hpp"
#include "domain/result.hpp"

namespace ca::store {

class AgentRepo {
 public:
  virtual ~AgentRepo() = default;
};

class InvocationRepo {
 public:
  virtual ~InvocationRepo() = default;
};

class ActionRepo {
 public:
  virtual ~ActionRepo() = default;
};

}  // namespace ca::store
