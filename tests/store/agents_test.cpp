// Agents, triggers, invocations and actions: the repository contract on both backends.
#include <boost/json/parse.hpp>

#include <set>

#include "store/agent_repo.hpp"
#include "store/event_repo.hpp"
#include "store_fixture.hpp"

namespace ca::test {
namespace {

// PostgreSQL's jsonb normalises spacing; compare documents, not text.
boost::json::value js(const std::string& text) { return boost::json::parse(text); }

class AgentsStoreTest : public StoreTest {
 protected:
  Agent make_agent(const std::string& creator_id, const std::vector<std::string>& types,
                   std::string kind = "generic_sales") {
    Agent a;
    a.id = new_id();
    a.creator_id = creator_id;
    a.name = "Sales";
    a.kind = std::move(kind);
    a.config_json = R"({"delay_minutes":5})";
    a.approval = Approval::automatic;
    a.created_at = a.updated_at = now();
    for (const auto& type : types) {
      AgentTrigger t;
      t.id = new_id();
      t.event_type = type;
      a.triggers.push_back(t);
    }
    return a;
  }
  void add_agent(const Agent& a) {
    auto tx = write();
    ASSERT_OK(tx->agents().insert(a));
    ASSERT_OK(tx->commit());
  }
  std::string add_event(const std::string& creator_id, const std::string& consumer_id) {
    Event e;
    e.id = new_id();
    e.creator_id = creator_id;
    e.consumer_id = consumer_id;
    e.type = "page_view";
    e.occurred_at = e.received_at = now();
    e.request_hash = "h";
    auto tx = write();
    EXPECT_TRUE(tx->events().insert(e).ok());
    EXPECT_TRUE(tx->commit().ok());
    return e.id;
  }
  Invocation make_invocation(const Agent& a, const std::optional<std::string>& consumer_id,
                             const std::string& event_id = {}) {
    Invocation v;
    v.id = new_id();
    v.creator_id = a.creator_id;
    v.agent_id = a.id;
    v.consumer_id = consumer_id;
    v.event_id = event_id;
    v.created_at = v.updated_at = now();
    return v;
  }
  Action make_action(const Invocation& v, std::string status = "scheduled") {
    Action x;
    x.id = new_id();
    x.creator_id = v.creator_id;
    x.invocation_id = v.id;
    x.agent_id = v.agent_id;
    x.consumer_id = v.consumer_id.value_or("");
    x.status = std::move(status);
    x.send_at = now() + std::chrono::minutes(5);
    x.message = "Hi Asha";
    x.created_at = x.updated_at = now();
    return x;
  }
};

TEST_F(AgentsStoreTest, InsertGetWithTriggers) {
  auto creator = add_creator();
  auto a = make_agent(creator, {"page_view", "service_click"});
  a.triggers[1].filter_json = R"({"service_id":"s1"})";
  a.approval = Approval::review;
  add_agent(a);
  auto tx = read();
  auto got = tx->agents().get(Tenant::creator(creator), a.id);
  ASSERT_OK(got);
  EXPECT_EQ(got->name, "Sales");
  EXPECT_EQ(got->kind, "generic_sales");
  EXPECT_EQ(js(got->config_json), js(a.config_json));
  EXPECT_EQ(got->approval, Approval::review);
  EXPECT_TRUE(got->enabled);
  EXPECT_EQ(got->created_at, a.created_at);
  ASSERT_EQ(got->triggers.size(), 2u);
  EXPECT_EQ(got->triggers[0].id, a.triggers[0].id);
  EXPECT_EQ(got->triggers[0].event_type, "page_view");
  EXPECT_EQ(got->triggers[0].agent_id, a.id);
  EXPECT_EQ(got->triggers[0].creator_id, creator);
  EXPECT_EQ(js(got->triggers[0].filter_json), js("{}"));
  EXPECT_EQ(js(got->triggers[1].filter_json), js(a.triggers[1].filter_json));
  EXPECT_CODE(tx->agents().get(Tenant::creator(creator), "not-a-uuid"), not_found);
}

TEST_F(AgentsStoreTest, ListPaginatesWithTriggersAndTenancy) {
  auto c1 = add_creator("A");
  auto c2 = add_creator("B");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto a = make_agent(c1, {"page_view"});
    add_agent(a);
    ids.push_back(a.id);
  }
  add_agent(make_agent(c2, {"page_view"}));
  auto tx = read();
  PageRequest page{std::nullopt, 2};
  std::vector<std::string> seen;
  for (;;) {
    auto p = tx->agents().list(Tenant::creator(c1), page);
    ASSERT_OK(p);
    for (const auto& a : p->items) {
      EXPECT_EQ(a.creator_id, c1);
      EXPECT_EQ(a.triggers.size(), 1u);
      seen.push_back(a.id);
    }
    if (!p->next_after_id) break;
    page.after_id = p->next_after_id;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{ids.rbegin(), ids.rend()}));
  auto all = tx->agents().list(Tenant::admin(), PageRequest{});
  ASSERT_OK(all);
  EXPECT_EQ(all->items.size(), 6u);
}

TEST_F(AgentsStoreTest, UpdateKeepsOrReplacesTriggers) {
  auto creator = add_creator();
  auto other = add_creator("B");
  auto a = make_agent(creator, {"page_view"});
  add_agent(a);
  a.name = "Renamed";
  a.config_json = R"({"x":1})";
  a.approval = Approval::review;
  a.enabled = false;
  a.updated_at = now() + std::chrono::seconds(5);
  a.triggers.clear();
  {
    auto tx = write();
    EXPECT_CODE(tx->agents().update(Tenant::creator(other), a, store::TriggerUpdate::keep),
                not_found);
    ASSERT_OK(tx->agents().update(Tenant::creator(creator), a, store::TriggerUpdate::keep));
    ASSERT_OK(tx->commit());
  }
  {
    auto tx = read();
    auto got = tx->agents().get(Tenant::creator(creator), a.id);
    ASSERT_OK(got);
    EXPECT_EQ(got->name, "Renamed");
    EXPECT_EQ(js(got->config_json), js(a.config_json));
    EXPECT_EQ(got->approval, Approval::review);
    EXPECT_FALSE(got->enabled);
    EXPECT_EQ(got->updated_at, a.updated_at);
    ASSERT_EQ(got->triggers.size(), 1u);  // kept
  }
  AgentTrigger t;
  t.id = new_id();
  t.event_type = "booking_created";
  t.filter_json = R"({"amount":5})";
  a.triggers = {t};
  {
    auto tx = write();
    ASSERT_OK(tx->agents().update(Tenant::admin(), a, store::TriggerUpdate::replace));
    ASSERT_OK(tx->commit());
  }
  auto tx = read();
  auto got = tx->agents().get(Tenant::admin(), a.id);
  ASSERT_OK(got);
  ASSERT_EQ(got->triggers.size(), 1u);
  EXPECT_EQ(got->triggers[0].id, t.id);
  EXPECT_EQ(got->triggers[0].event_type, "booking_created");
  EXPECT_EQ(js(got->triggers[0].filter_json), js(t.filter_json));
}

TEST_F(AgentsStoreTest, SetEnabledIsTenantScoped) {
  auto creator = add_creator();
  auto other = add_creator("B");
  auto a = make_agent(creator, {"page_view"});
  add_agent(a);
  auto tx = write();
  EXPECT_CODE(tx->agents().set_enabled(Tenant::creator(other), a.id, false, now()), not_found);
  EXPECT_CODE(tx->agents().set_enabled(Tenant::creator(creator), new_id(), false, now()),
              not_found);
  ASSERT_OK(tx->agents().set_enabled(Tenant::creator(creator), a.id, false,
                                     now() + std::chrono::seconds(1)));
  auto got = tx->agents().get(Tenant::creator(creator), a.id);
  ASSERT_OK(got);
  EXPECT_FALSE(got->enabled);
  EXPECT_EQ(got->updated_at, now() + std::chrono::seconds(1));
  ASSERT_OK(tx->agents().set_enabled(Tenant::creator(creator), a.id, true, now()));
  EXPECT_TRUE(tx->agents().get(Tenant::creator(creator), a.id)->enabled);
}

TEST_F(AgentsStoreTest, MatchingTriggersOnlyEnabledAgentsOfThatCreatorAndType) {
  auto creator = add_creator();
  auto other = add_creator("B");
  auto on = make_agent(creator, {"page_view", "service_click"});
  on.approval = Approval::review;
  on.triggers[0].filter_json = R"({"path":"/x"})";
  auto off = make_agent(creator, {"page_view"});
  off.enabled = false;
  auto foreign = make_agent(other, {"page_view"});
  auto second = make_agent(creator, {"page_view"}, "rule");
  for (const auto* a : {&on, &off, &foreign, &second}) add_agent(*a);

  auto tx = read();
  auto m = tx->agents().matching_triggers(creator, "page_view");
  ASSERT_OK(m);
  ASSERT_EQ(m->size(), 2u);
  std::set<std::string> agents;
  for (const auto& t : *m) agents.insert(t.agent_id);
  EXPECT_EQ(agents, (std::set<std::string>{on.id, second.id}));
  for (const auto& t : *m) {
    if (t.agent_id == on.id) {
      EXPECT_EQ(t.trigger_id, on.triggers[0].id);
      EXPECT_EQ(t.agent_kind, "generic_sales");
      EXPECT_EQ(t.approval, Approval::review);
      EXPECT_EQ(js(t.filter_json), js(on.triggers[0].filter_json));
    } else {
      EXPECT_EQ(t.agent_kind, "rule");
      EXPECT_EQ(t.approval, Approval::automatic);
    }
  }
  auto clicks = tx->agents().matching_triggers(creator, "service_click");
  ASSERT_OK(clicks);
  ASSERT_EQ(clicks->size(), 1u);
  EXPECT_EQ(clicks->front().trigger_id, on.triggers[1].id);
  EXPECT_TRUE(tx->agents().matching_triggers(creator, "payment_success")->empty());
  EXPECT_TRUE(tx->agents().matching_triggers("not-a-uuid", "page_view")->empty());
  auto theirs = tx->agents().matching_triggers(other, "page_view");
  ASSERT_OK(theirs);
  ASSERT_EQ(theirs->size(), 1u);
  EXPECT_EQ(theirs->front().agent_id, foreign.id);
}

TEST_F(AgentsStoreTest, InvocationsLifecycleFiltersAndTenancy) {
  auto creator = add_creator();
  auto other = add_creator("B");
  auto consumer = add_consumer(creator);
  auto a = make_agent(creator, {"page_view"});
  auto b = make_agent(creator, {"page_view"});
  auto theirs = make_agent(other, {"page_view"});
  for (const auto* x : {&a, &b, &theirs}) add_agent(*x);
  auto event = add_event(creator, consumer);

  auto v1 = make_invocation(a, consumer, event);
  auto v2 = make_invocation(b, consumer, event);
  auto v3 = make_invocation(a, std::nullopt);
  auto v4 = make_invocation(theirs, std::nullopt);
  {
    auto tx = write();
    ASSERT_OK(tx->invocations().insert(v1));
    ASSERT_OK(tx->invocations().insert_many({v2, v3, v4}));
    ASSERT_OK(tx->commit());
  }
  const Timestamp finished_at = now() + std::chrono::seconds(2);
  {
    auto tx = write();
    ASSERT_OK(tx->invocations().update_status(v1.id, InvocationStatus::running, now()));
    ASSERT_OK(tx->invocations().finish(v2.id, InvocationStatus::failed, "boom", R"({"planned":[]})",
                                       std::string("timeout"), finished_at));
    EXPECT_CODE(tx->invocations().finish(new_id(), InvocationStatus::completed, "", "{}",
                                         std::nullopt, now()),
                not_found);
    // Decided once: a second finish (a re-run) is refused and changes nothing.
    EXPECT_CODE(tx->invocations().finish(v2.id, InvocationStatus::completed, "again", "{}",
                                         std::nullopt, now()),
                not_found);
    ASSERT_OK(tx->commit());
  }
  auto tx = read();
  auto got = tx->invocations().get(Tenant::creator(creator), v2.id);
  ASSERT_OK(got);
  EXPECT_EQ(got->status, InvocationStatus::failed);
  EXPECT_EQ(got->reason, "boom");
  EXPECT_EQ(js(got->result_json), js(R"({"planned":[]})"));
  EXPECT_EQ(got->error, "timeout");
  EXPECT_EQ(got->event_id, event);
  EXPECT_EQ(got->consumer_id, consumer);
  EXPECT_EQ(got->updated_at, finished_at);
  EXPECT_EQ(tx->invocations().get(Tenant::admin(), v1.id)->status, InvocationStatus::running);
  auto v3got = tx->invocations().get(Tenant::admin(), v3.id);
  ASSERT_OK(v3got);
  EXPECT_EQ(v3got->status, InvocationStatus::queued);
  EXPECT_FALSE(v3got->consumer_id);
  EXPECT_EQ(v3got->event_id, "");
  EXPECT_CODE(tx->invocations().get(Tenant::creator(other), v1.id), not_found);

  auto ids = [&](const store::InvocationFilter& f) {
    std::vector<std::string> out;
    auto p = tx->invocations().list(Tenant::creator(creator), f, PageRequest{});
    EXPECT_TRUE(p.ok());
    if (p.ok()) {
      for (const auto& v : p->items) out.push_back(v.id);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids({}), (V{v3.id, v2.id, v1.id}));
  EXPECT_EQ(ids({a.id, std::nullopt, std::nullopt}), (V{v3.id, v1.id}));
  EXPECT_EQ(ids({std::nullopt, consumer, std::nullopt}), (V{v2.id, v1.id}));
  EXPECT_EQ(ids({std::nullopt, std::nullopt, InvocationStatus::queued}), (V{v3.id}));
  EXPECT_EQ(ids({theirs.id, std::nullopt, std::nullopt}), V{});
  EXPECT_EQ(ids({std::string("junk"), std::nullopt, std::nullopt}), V{});
  auto all = tx->invocations().list(Tenant::admin(), {}, PageRequest{std::nullopt, 3});
  ASSERT_OK(all);
  EXPECT_EQ(all->items.size(), 3u);
  EXPECT_TRUE(all->next_after_id);
}

// finish_many is finish for a worker's whole batch: the same fence (only undecided ones),
// one flag per outcome, JSON results stored as JSON on both databases.
TEST_F(AgentsStoreTest, FinishManyDecidesOnlyUndecidedInvocations) {
  auto creator = add_creator();
  auto consumer = add_consumer(creator);
  auto a = make_agent(creator, {"page_view"});
  add_agent(a);
  auto event = add_event(creator, consumer);
  auto queued = make_invocation(a, consumer, event);
  auto running = make_invocation(a, consumer, event);
  auto decided = make_invocation(a, consumer, event);
  {
    auto tx = write();
    ASSERT_OK(tx->invocations().insert_many({queued, running, decided}));
    ASSERT_OK(tx->invocations().update_status(running.id, InvocationStatus::running, now()));
    ASSERT_OK(tx->invocations().finish(decided.id, InvocationStatus::completed, "first", "{}",
                                       std::nullopt, now()));
    ASSERT_OK(tx->commit());
  }
  const Timestamp at = now() + std::chrono::seconds(5);
  std::vector<store::InvocationOutcome> outcomes = {
      {queued.id, InvocationStatus::completed, "sent a hello", R"({"act":true,"actions":[]})",
       std::nullopt},
      {decided.id, InvocationStatus::failed, "again", "{}", std::string("late")},
      {new_id(), InvocationStatus::completed, "nobody", "{}", std::nullopt},
      {"not-a-uuid", InvocationStatus::completed, "junk", "{}", std::nullopt},
      {running.id, InvocationStatus::failed, "agent error", "{}", std::string("timeout")},
  };
  {
    auto tx = write();
    auto finished = tx->invocations().finish_many(outcomes, at);
    ASSERT_OK(finished);
    EXPECT_EQ(*finished, (std::vector<bool>{true, false, false, false, true}));
    ASSERT_OK(tx->commit());
  }
  auto tx = read();
  auto q = tx->invocations().get(Tenant::admin(), queued.id);
  ASSERT_OK(q);
  EXPECT_EQ(q->status, InvocationStatus::completed);
  EXPECT_EQ(q->reason, "sent a hello");
  EXPECT_EQ(js(q->result_json), js(R"({"act":true,"actions":[]})"));
  EXPECT_FALSE(q->error);
  EXPECT_EQ(q->updated_at, at);
  auto r = tx->invocations().get(Tenant::admin(), running.id);
  ASSERT_OK(r);
  EXPECT_EQ(r->status, InvocationStatus::failed);
  EXPECT_EQ(r->error, "timeout");
  auto d = tx->invocations().get(Tenant::admin(), decided.id);
  ASSERT_OK(d);
  EXPECT_EQ(d->status, InvocationStatus::completed) << "decided once: left alone";
  EXPECT_EQ(d->reason, "first");
}

TEST_F(AgentsStoreTest, ActionsInsertGetListAndTenancy) {
  auto creator = add_creator();
  auto other = add_creator("B");
  auto consumer = add_consumer(creator);
  auto consumer2 = add_consumer(creator);
  auto a = make_agent(creator, {"page_view"});
  auto theirs = make_agent(other, {"page_view"});
  add_agent(a);
  add_agent(theirs);
  auto v = make_invocation(a, consumer);
  auto v2 = make_invocation(a, consumer2);
  auto vt = make_invocation(theirs, std::nullopt);
  auto x1 = make_action(v);
  x1.channel = Channel::email;
  x1.template_json = R"({"sid":"HX1"})";
  auto x2 = make_action(v, "awaiting_review");
  auto x3 = make_action(v2);
  auto xt = make_action(vt);
  {
    auto tx = write();
    ASSERT_OK(tx->invocations().insert_many({v, v2, vt}));
    ASSERT_OK(tx->actions().insert_many({x1, x2}));
    ASSERT_OK(tx->actions().insert_many({x3, xt}));
    ASSERT_OK(tx->commit());
  }
  auto tx = read();
  auto got = tx->actions().get(Tenant::creator(creator), x1.id);
  ASSERT_OK(got);
  EXPECT_EQ(got->invocation_id, v.id);
  EXPECT_EQ(got->agent_id, a.id);
  EXPECT_EQ(got->consumer_id, consumer);
  EXPECT_EQ(got->channel, Channel::email);
  EXPECT_EQ(got->type, "send_message");
  EXPECT_EQ(got->status, "scheduled");
  EXPECT_EQ(got->send_at, x1.send_at);
  EXPECT_EQ(got->message, "Hi Asha");
  ASSERT_TRUE(got->template_json);
  EXPECT_EQ(js(*got->template_json), js(*x1.template_json));
  EXPECT_FALSE(got->skip_reason);
  EXPECT_FALSE(got->provider_message_id);
  EXPECT_EQ(got->attempts, 0);
  EXPECT_CODE(tx->actions().get(Tenant::creator(other), x1.id), not_found);
  EXPECT_CODE(tx->actions().get(Tenant::creator(creator), "nope"), not_found);

  auto ids = [&](const store::ActionFilter& f) {
    std::vector<std::string> out;
    auto p = tx->actions().list(Tenant::creator(creator), f, PageRequest{});
    EXPECT_TRUE(p.ok());
    if (p.ok()) {
      for (const auto& x : p->items) out.push_back(x.id);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids({}), (V{x3.id, x2.id, x1.id}));
  EXPECT_EQ(ids({std::string("awaiting_review"), std::nullopt, std::nullopt}), (V{x2.id}));
  EXPECT_EQ(ids({std::nullopt, consumer2, std::nullopt}), (V{x3.id}));
  EXPECT_EQ(ids({std::nullopt, std::nullopt, a.id}), (V{x3.id, x2.id, x1.id}));
  EXPECT_EQ(ids({std::nullopt, std::nullopt, theirs.id}), V{});
  auto page = tx->actions().list(Tenant::admin(), {}, PageRequest{std::nullopt, 2});
  ASSERT_OK(page);
  EXPECT_EQ(page->items.size(), 2u);
  ASSERT_TRUE(page->next_after_id);
  auto rest = tx->actions().list(Tenant::admin(), {}, PageRequest{page->next_after_id, 2});
  ASSERT_OK(rest);
  EXPECT_EQ(rest->items.size(), 2u);
  EXPECT_FALSE(rest->next_after_id);
}

TEST_F(AgentsStoreTest, StatusTextRoundTrips) {
  for (auto s : {InvocationStatus::queued, InvocationStatus::running, InvocationStatus::completed,
                 InvocationStatus::failed}) {
    EXPECT_EQ(store::parse_invocation_status(store::to_string(s)), s);
  }
  EXPECT_EQ(store::parse_approval("auto"), Approval::automatic);
  EXPECT_EQ(store::parse_approval("review"), Approval::review);
  EXPECT_FALSE(store::parse_approval("sometimes"));
  EXPECT_FALSE(store::parse_invocation_status("done"));
}

}  // namespace
}  // namespace ca::test
