// A consumer's life on a virtual clock: each event goes through context::apply_event
// exactly as ingestion does, then the agent decides with the before/after contexts.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agents/runtime.hpp"
#include "context/rules.hpp"
#include "domain/time.hpp"

namespace ca::agents::test {

inline Timestamp at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

inline Product product(std::string id, std::string name, std::int64_t minor,
                       std::optional<std::string> url = std::nullopt) {
  Product p;
  p.id = std::move(id);
  p.creator_id = "cr_1";
  p.name = std::move(name);
  p.type = "1:1 call";
  p.price = Money{minor, "INR"};
  p.url = std::move(url);
  return p;
}

class Scenario {
 public:
  explicit Scenario(std::string kind, std::string config = "{}") {
    agent_.id = "ag_1";
    agent_.creator_id = "cr_1";
    agent_.kind = std::move(kind);
    agent_.config_json = std::move(config);
    creator_.id = "cr_1";
    creator_.name = "Asha Rao";
    consumer_.id = "co_1";
    consumer_.creator_id = "cr_1";
    consumer_.name = "Ravi Kumar";
    consumer_.whatsapp = "+919800000001";
    consumer_.email = "ravi@example.com";
    context_.consumer_id = "co_1";
    context_.creator_id = "cr_1";
    products_ = {product("svc_1", "Career Strategy Call", 199900, "https://topmate.io/asha/1"),
                 product("svc_2", "Resume Review", 99900, "https://topmate.io/asha/2"),
                 product("svc_3", "Mock Interview", 249900)};
  }

  // Applies the event to the context and runs the agent; `now` defaults to the event time.
  Result<Decision> feed(const std::string& type, const std::string& payload, Timestamp when,
                        std::optional<Timestamp> now = std::nullopt) {
    Event e;
    e.id = "ev_" + std::to_string(++seq_);
    e.creator_id = "cr_1";
    e.consumer_id = "co_1";
    e.type = type;
    e.occurred_at = when;
    e.received_at = now.value_or(when);
    e.payload_json = payload;
    return run(e, now.value_or(when));
  }

  Result<Decision> run(const Event& e, Timestamp now) {
    ConsumerContext before = context_;
    // Follow-ups are not ingested: the context stays as it is (runtime.hpp).
    if (e.type != kFollowupEventType) context_ = context::apply_event(before, e);
    AgentInput in{agent_,   e,         before, context_, with_consumer_ ? &consumer_ : nullptr,
                  creator_, products_, now};
    return run_agent(in, options);
  }

  ca::Agent& agent() { return agent_; }
  Consumer& consumer() { return consumer_; }
  ConsumerContext& context() { return context_; }
  std::vector<Product>& products() { return products_; }
  void without_consumer() { with_consumer_ = false; }

  RuntimeOptions options;

 private:
  ca::Agent agent_;
  Creator creator_;
  Consumer consumer_;
  ConsumerContext context_;
  std::vector<Product> products_;
  bool with_consumer_ = true;
  int seq_ = 0;
};

// Unwraps a decision, failing the test on an error.
inline Decision ok_decision(const Result<Decision>& r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().field + ": " + r.error().message);
  return r.ok() ? r.value() : Decision{};
}

}  // namespace ca::agents::test
