// Event ingestion through the real server: durability, idempotency, consumer
// resolution, context updates, batch isolation, tenancy.
#include <atomic>
#include <set>
#include <thread>

#include "api_fixture.hpp"

namespace ca::test {
namespace {

class EventsTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    creator_ = create_creator("ajay");
    key_ = creator_key(creator_);
  }

  HttpResult post_event(const std::string& body, const Headers& extra = {}) {
    Headers h = {{"Authorization", "Bearer " + key_}, {"Content-Type", "application/json"}};
    for (const auto& e : extra) h.push_back(e);
    return client_->request("POST", "/events", body, h);
  }

  boost::json::object context_of(const std::string& consumer_id) {
    auto r = client_->get("/consumers/" + consumer_id + "/context", key_);
    EXPECT_EQ(r.status, 200) << r.body;
    return obj(r);
  }

  size_t count_events(const std::string& query = "") {
    return obj(client_->get("/events?limit=500" + query, key_)).at("items").as_array().size();
  }

  // POSTs {"events":[<events_json>]} and returns its results, one per event.
  boost::json::array post_batch(const std::string& events_json) {
    auto r = client_->post("/events/batch", R"({"events":[)" + events_json + "]}", key_);
    EXPECT_EQ(r.status, 200) << r.body;
    auto body = obj(r);
    if (!body.contains("results")) return {};
    return body.at("results").as_array();
  }

  std::string consumer_of_event(const boost::json::value& result) {
    auto e = obj(client_->get("/events/" + str(result.at("id")), key_));
    return e.at("consumer_id").is_string() ? str(e.at("consumer_id")) : std::string{};
  }

  // A batch result that is an error: its code and the field it names, as the event's path
  // to it (decoding and resolution errors alike).
  static void expect_item_error(const boost::json::value& result, size_t index,
                                const std::string& code, const std::string& field) {
    ASSERT_TRUE(result.as_object().contains("error")) << boost::json::serialize(result);
    const auto& err = result.at("error").as_object();
    EXPECT_EQ(err.at("code").as_string(), code) << boost::json::serialize(result);
    EXPECT_FALSE(err.at("message").as_string().empty());
    ASSERT_TRUE(err.contains("field")) << boost::json::serialize(result);
    const std::string got = str(err.at("field"));
    EXPECT_EQ(got, "events[" + std::to_string(index) + "]." + field);
  }

  std::string creator_;
  std::string key_;
};

TEST_F(EventsTest, StoresEventCreatesConsumerAndUpdatesContext) {
  auto r = post_event(
      R"({"consumer":{"external_id":"tm-42","email":"Asha@Example.com","name":"Asha"},"type":"page_view","timestamp":"2026-11-24T10:00:00Z","payload":{"path":"/ajay_shenoy"}})");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_FALSE(obj(r).at("duplicate").as_bool());
  std::string id = str(obj(r).at("id"));

  auto e = obj(client_->get("/events/" + id, key_));
  EXPECT_EQ(e.at("type").as_string(), "page_view");
  EXPECT_EQ(e.at("timestamp").as_string(), "2026-11-24T10:00:00Z");
  EXPECT_EQ(e.at("payload").at("path").as_string(), "/ajay_shenoy");
  std::string consumer = str(e.at("consumer_id"));

  auto c = obj(client_->get("/consumers/" + consumer, key_));
  EXPECT_EQ(c.at("email").as_string(), "asha@example.com");
  EXPECT_EQ(c.at("external_id").as_string(), "tm-42");

  auto ctx = context_of(consumer);
  EXPECT_EQ(ctx.at("metrics").at("page_views").as_int64(), 1);
  EXPECT_EQ(ctx.at("last_seen_at").as_string(), "2026-11-24T10:00:00Z");

  // The same person by another identity field resolves to the same consumer.
  auto again = post_event(
      R"({"consumer":{"email":"asha@example.com"},"type":"service_click","payload":{"service_id":"cohort-1"}})");
  ASSERT_EQ(again.status, 202) << again.body;
  auto e2 = obj(client_->get("/events/" + str(obj(again).at("id")), key_));
  EXPECT_EQ(e2.at("consumer_id").as_string(), consumer);
  auto ctx2 = context_of(consumer);
  EXPECT_EQ(ctx2.at("metrics").at("service_clicks").as_int64(), 1);
  EXPECT_EQ(ctx2.at("metrics").at("services_clicked").at("cohort-1").as_int64(), 1);
}

TEST_F(EventsTest, ReplayIsADuplicateAndADifferentBodyIsAConflict) {
  std::string body =
      R"({"id":"evt-001","consumer":{"external_id":"c1"},"type":"page_view","payload":{"a":1,"b":2}})";
  auto first = post_event(body);
  ASSERT_EQ(first.status, 202) << first.body;
  // Same body with keys in another order is the same request.
  auto replay = post_event(
      R"({"payload":{"b":2,"a":1},"type":"page_view","consumer":{"external_id":"c1"},"id":"evt-001"})");
  EXPECT_EQ(replay.status, 200) << replay.body;
  EXPECT_TRUE(obj(replay).at("duplicate").as_bool());
  EXPECT_EQ(obj(replay).at("id"), obj(first).at("id"));
  expect_error(
      post_event(R"({"id":"evt-001","consumer":{"external_id":"c1"},"type":"service_click"})"), 409,
      "conflict", "id");
  EXPECT_EQ(count_events(), 1u);
  std::string consumer =
      str(obj(client_->get("/events/" + str(obj(first).at("id")), key_)).at("consumer_id"));
  EXPECT_EQ(context_of(consumer).at("metrics").at("page_views").as_int64(), 1)
      << "replay was reprocessed";

  // The Idempotency-Key header works the same way.
  std::string b2 = R"({"consumer":{"external_id":"c1"},"type":"email_opened"})";
  EXPECT_EQ(post_event(b2, {{"Idempotency-Key", "hdr-1"}}).status, 202);
  EXPECT_EQ(post_event(b2, {{"Idempotency-Key", "hdr-1"}}).status, 200);
  expect_error(post_event(R"({"id":"a","consumer":{"external_id":"c1"},"type":"page_view"})",
                          {{"Idempotency-Key", "b"}}),
               400, "invalid_argument", "id");
}

TEST_F(EventsTest, AUuidIdBecomesTheEventId) {
  const std::string id = "0192f1a2-3b4c-7d5e-8f60-718293a4b5c6";
  auto r = post_event(R"({"id":")" + id + R"(","type":"page_view"})");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(str(obj(r).at("id")), id);
  EXPECT_EQ(client_->get("/events/" + id, key_).status, 200);
}

TEST_F(EventsTest, ConcurrentDuplicatesStoreOneEvent) {
  const std::string body =
      R"({"id":"race-1","consumer":{"external_id":"racer"},"type":"page_view"})";
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<std::string> ids;
  std::atomic<int> created{0}, duplicates{0}, other{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      HttpClient c(client_->base_url());
      auto r =
          c.request("POST", "/events", body,
                    {{"Authorization", "Bearer " + key_}, {"Content-Type", "application/json"}});
      if (r.status == 202) {
        ++created;
      } else if (r.status == 200) {
        ++duplicates;
      } else {
        ++other;
      }
      if (r.status == 200 || r.status == 202) {
        std::lock_guard lock(mu);
        ids.insert(str(obj(r).at("id")));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(duplicates.load(), 7);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(count_events(), 1u);
  EXPECT_EQ(obj(client_->get("/consumers?q=racer", key_)).at("items").as_array().size(), 1u);
}

// Single events wait for their commit without holding a handler thread: with one such
// thread, concurrent requests still reach the writer together and share commits. Through
// the pool, each request would hold the one thread until its own commit (one per commit).
class OneHandlerThreadEventsTest : public EventsTest {
 protected:
  void SetUp() override {
    handler_threads_ = 1;
    EventsTest::SetUp();
  }
};

TEST_F(OneHandlerThreadEventsTest, ConcurrentEventsShareCommitsBeyondTheHandlerThreads) {
  auto metric = [&](const std::string& name) {
    const std::string body = client_->get("/metrics", kAdminKey).body;
    const auto at = body.find("\n" + name + " ");
    return at == std::string::npos ? -1.0 : std::stod(body.substr(at + name.size() + 2));
  };
  // The key's first use reads the store (on the pool); from then on it is cached.
  ASSERT_EQ(post_event(R"({"consumer":{"external_id":"warm"},"type":"page_view"})").status, 202);
  const double commits_before = metric("ca_ingest_group_commits_total");
  constexpr int kClients = 24;
  constexpr int kEach = 10;
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      HttpClient c(client_->base_url());
      for (int i = 0; i < kEach; ++i) {
        const std::string body =
            R"({"consumer":{"external_id":"v)" + std::to_string(t) + R"("},"type":"page_view"})";
        auto r =
            c.request("POST", "/events", body,
                      {{"Authorization", "Bearer " + key_}, {"Content-Type", "application/json"}});
        if (r.status == 202) ++accepted;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(accepted.load(), kClients * kEach);
  EXPECT_EQ(metric("ca_ingest_group_commit_events_total"), 1.0 + kClients * kEach);
  EXPECT_LT(metric("ca_ingest_group_commits_total") - commits_before, kClients * kEach);
  EXPECT_EQ(
      count_events(
          "&consumer_id=" +
          str(obj(client_->get("/consumers?q=v3", key_)).at("items").as_array().at(0).at("id"))),
      static_cast<size_t>(kEach));
}

TEST_F(EventsTest, BadInputNamesTheField) {
  expect_error(post_event(R"({"type":"Page View"})"), 400, "invalid_argument", "type");
  expect_error(post_event(R"({"consumer":{"external_id":"x"}})"), 400, "invalid_argument", "type");
  expect_error(post_event(R"({"type":"page_view","timestamp":"yesterday"})"), 400,
               "invalid_argument", "timestamp");
  expect_error(post_event(R"({"type":"page_view","payload":[1]})"), 400, "invalid_argument",
               "payload");
  expect_error(post_event(R"({"type":"page_view","colour":"red"})"), 400, "invalid_argument",
               "colour");
  expect_error(post_event(R"({"type":"page_view","source":"carrier-pigeon"})"), 400,
               "invalid_argument", "source");
  expect_error(post_event(R"({"type":"page_view","consumer":{"name":"nobody"}})"), 400,
               "invalid_argument", "consumer.external_id");
  expect_error(post_event(R"({"type":"page_view","consumer":{"whatsapp":"12345"}})"), 400,
               "invalid_argument", "consumer.whatsapp");
  expect_error(
      post_event(R"({"type":"page_view","consumer_id":"0192f1a2-3b4c-7d5e-8f60-718293a4b5c6"})"),
      404, "not_found", "consumer_id");
  expect_error(post_event(std::string(R"({"type":"page_view","payload":{"x":")") +
                          std::string(70000, 'a') + "\"}}"),
               400, "invalid_argument", "payload");
  // Admin keys must say which creator.
  expect_error(client_->post("/events", R"({"type":"page_view"})", kAdminKey), 400,
               "invalid_argument", "creator_id");
  EXPECT_EQ(
      client_
          ->post("/events", R"({"type":"page_view","creator_id":")" + creator_ + "\"}", kAdminKey)
          .status,
      202);
  // A custom type is fine.
  EXPECT_EQ(post_event(R"({"type":"webinar_joined","consumer":{"external_id":"w"}})").status, 202);
}

TEST_F(EventsTest, BatchStoresTheGoodEventsAndReportsTheBadOnes) {
  auto r = client_->post("/events/batch", R"({"events":[
      {"id":"b-1","consumer":{"external_id":"b"},"type":"page_view"},
      {"id":"b-2","consumer":{"external_id":"b"},"type":"Not A Type"},
      "not an object",
      {"id":"b-1","consumer":{"external_id":"b"},"type":"page_view"},
      {"id":"b-3","consumer":{"external_id":"b"},"type":"service_click","payload":{"service_id":"s1"}},
      {"id":"b-3","consumer":{"external_id":"b"},"type":"page_view"}
    ]})",
                         key_);
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = obj(r);
  const auto& results = body.at("results").as_array();
  ASSERT_EQ(results.size(), 6u);
  EXPECT_FALSE(results[0].at("duplicate").as_bool());
  EXPECT_EQ(results[1].at("error").at("field").as_string(), "events[1].type");
  EXPECT_EQ(results[2].at("error").at("field").as_string(), "events[2]");
  EXPECT_TRUE(results[3].at("duplicate").as_bool());
  EXPECT_EQ(results[3].at("id"), results[0].at("id"));
  EXPECT_FALSE(results[4].at("duplicate").as_bool());
  EXPECT_EQ(results[5].at("error").at("code").as_string(), "conflict");
  EXPECT_EQ(count_events(), 2u);

  std::string consumer =
      str(obj(client_->get("/events/" + str(results[4].at("id")), key_)).at("consumer_id"));
  auto ctx = context_of(consumer);
  EXPECT_EQ(ctx.at("metrics").at("page_views").as_int64(), 1);
  EXPECT_EQ(ctx.at("metrics").at("service_clicks").as_int64(), 1);

  // Replaying the whole batch stores nothing new.
  auto again = client_->post(
      "/events/batch",
      R"({"events":[{"id":"b-1","consumer":{"external_id":"b"},"type":"page_view"}]})", key_);
  EXPECT_TRUE(obj(again).at("results").as_array()[0].at("duplicate").as_bool());
  EXPECT_EQ(count_events(), 2u);

  std::string big = R"({"events":[)";
  for (int i = 0; i < 1001; ++i) big += std::string(i ? "," : "") + R"({"type":"page_view"})";
  big += "]}";
  expect_error(client_->post("/events/batch", big, key_), 400, "invalid_argument", "events");
  expect_error(client_->post("/events/batch", R"({"events":{}})", key_), 400, "invalid_argument",
               "events");
}

// Concurrent batches share group commits; each request must still get back exactly its
// own results, in its own order, and one batch's bad event must not touch the others.
TEST_F(EventsTest, ConcurrentBatchesEachGetTheirOwnResults) {
  constexpr int kThreads = 8;
  constexpr int kEvents = 20;
  constexpr int kBad = 3;  // an unknown consumer id: refused alone
  std::vector<std::thread> threads;
  std::atomic<int> shared_created{0};
  std::vector<std::vector<std::string>> ids(kThreads, std::vector<std::string>(kEvents));
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient c(client_->base_url());
      std::string body = R"({"events":[)";
      for (int i = 0; i < kEvents; ++i) {
        if (i) body += ",";
        if (i == kBad) {
          body += R"({"consumer_id":"00000000-0000-7000-8000-000000000000","type":"page_view"})";
        } else if (i == kEvents - 1) {  // the same event in every batch: stored once
          body += R"({"id":"cb-shared","consumer":{"external_id":"cb-all"},"type":"page_view"})";
        } else {
          body += R"({"id":"cb-)" + std::to_string(t) + "-" + std::to_string(i) +
                  R"(","consumer":{"external_id":"cb-)" + std::to_string(t) +
                  R"("},"type":"page_view"})";
        }
      }
      body += "]}";
      auto r = c.post("/events/batch", body, key_);
      ASSERT_EQ(r.status, 200) << r.body;
      const auto results = obj(r).at("results").as_array();
      ASSERT_EQ(results.size(), static_cast<size_t>(kEvents));
      for (int i = 0; i < kEvents; ++i) {
        const auto& res = results[static_cast<size_t>(i)];
        if (i == kBad) {
          expect_item_error(res, kBad, "not_found", "consumer_id");
          continue;
        }
        ASSERT_TRUE(res.as_object().contains("id")) << boost::json::serialize(res);
        ids[static_cast<size_t>(t)][static_cast<size_t>(i)] = str(res.at("id"));
        if (i == kEvents - 1 && !res.at("duplicate").as_bool()) ++shared_created;
        if (i != kEvents - 1) {
          EXPECT_FALSE(res.at("duplicate").as_bool());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(shared_created.load(), 1);
  // Every id is the event that thread sent at that index.
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kEvents; ++i) {
      if (i == kBad) continue;
      const std::string& id = ids[static_cast<size_t>(t)][static_cast<size_t>(i)];
      ASSERT_FALSE(id.empty());
      auto e = obj(client_->get("/events/" + id, key_));
      const std::string want =
          i == kEvents - 1 ? "cb-shared" : "cb-" + std::to_string(t) + "-" + std::to_string(i);
      EXPECT_EQ(str(e.at("idempotency_key")), want);
    }
  }
  EXPECT_EQ(count_events(), static_cast<size_t>(kThreads * (kEvents - 2) + 1));
  auto ctx = context_of(consumer_of_event(boost::json::object{{"id", ids[0][0]}}));
  EXPECT_EQ(ctx.at("metrics").at("page_views").as_int64(), kEvents - 2);
}

TEST_F(EventsTest, TimelineIsNewestFirstAndLateEventsDoNotRewindLastSeen) {
  auto post_at = [&](const std::string& type, const std::string& ts) {
    auto r = post_event(R"({"consumer":{"external_id":"t"},"type":")" + type +
                        R"(","timestamp":")" + ts + "\"}");
    EXPECT_EQ(r.status, 202) << r.body;
    return str(obj(r).at("id"));
  };
  post_at("page_view", "2026-11-20T10:00:00Z");
  post_at("service_click", "2026-11-22T10:00:00Z");
  post_at("email_opened", "2026-11-21T10:00:00Z");  // late
  auto first = obj(client_->get("/events?limit=1", key_));
  std::string consumer = str(first.at("items").as_array()[0].at("consumer_id"));

  auto tl = obj(client_->get("/events/consumer/" + consumer + "/timeline", key_));
  const auto& items = tl.at("items").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].at("type").as_string(), "service_click");
  EXPECT_EQ(items[1].at("type").as_string(), "email_opened");
  EXPECT_EQ(items[2].at("type").as_string(), "page_view");
  // Paged by two: the cursor continues where the first page ended.
  auto p1 = obj(client_->get("/events/consumer/" + consumer + "/timeline?limit=2", key_));
  ASSERT_FALSE(p1.at("next_cursor").is_null());
  auto p2 = obj(client_->get(
      "/events/consumer/" + consumer + "/timeline?limit=2&cursor=" + str(p1.at("next_cursor")),
      key_));
  ASSERT_EQ(p2.at("items").as_array().size(), 1u);
  EXPECT_EQ(p2.at("items").as_array()[0].at("type").as_string(), "page_view");

  EXPECT_EQ(context_of(consumer).at("last_seen_at").as_string(), "2026-11-22T10:00:00Z");

  EXPECT_EQ(count_events("&event_type=page_view"), 1u);
  EXPECT_EQ(count_events("&start_time=2026-11-21T00:00:00Z"), 2u);
  EXPECT_EQ(count_events("&consumer_id=" + consumer + "&end_time=2026-11-21T00:00:00Z"), 1u);
  expect_error(client_->get("/events?start_time=soon", key_), 400, "invalid_argument",
               "start_time");
}

TEST_F(EventsTest, AnotherCreatorCannotSeeOrTargetEvents) {
  auto r = post_event(R"({"consumer":{"external_id":"secret"},"type":"payment_success"})");
  ASSERT_EQ(r.status, 202);
  std::string id = str(obj(r).at("id"));
  std::string consumer = str(obj(client_->get("/events/" + id, key_)).at("consumer_id"));
  std::string other = creator_key(create_creator("bravo"));
  expect_error(client_->get("/events/" + id, other), 404, "not_found");
  expect_error(client_->get("/events/consumer/" + consumer + "/timeline", other), 404, "not_found");
  EXPECT_TRUE(obj(client_->get("/events", other)).at("items").as_array().empty());
  expect_error(
      client_->post("/events", R"({"type":"page_view","consumer_id":")" + consumer + "\"}", other),
      404, "not_found", "consumer_id");
  expect_error(
      client_->post("/events", R"({"type":"page_view","creator_id":")" + creator_ + "\"}", other),
      404, "not_found", "creator_id");
  // Same idempotency key in two creators: independent.
  EXPECT_EQ(client_->post("/events", R"({"id":"shared-key","type":"page_view"})", key_).status,
            202);
  EXPECT_EQ(client_->post("/events", R"({"id":"shared-key","type":"page_view"})", other).status,
            202);
}

TEST_F(EventsTest, BatchEventsOfOneNewVisitorLandOnOneConsumer) {
  auto results = post_batch(R"(
      {"consumer":{"external_id":"v-1","email":"Vis@Example.com","name":"Vis"},"type":"page_view"},
      {"consumer":{"email":"vis@example.com"},"type":"service_click","payload":{"service_id":"s1"}},
      {"consumer":{"external_id":"v-1"},"type":"page_view"},
      {"consumer":{"external_id":"v-2"},"type":"page_view"},
      {"consumer":{"email":"vis@example.com","external_id":"v-1"},"type":"page_view"},
      {"consumer":{"external_id":"v-2"},"type":"email_opened"})");
  ASSERT_EQ(results.size(), 6u);
  for (const auto& r : results) {
    ASSERT_TRUE(r.as_object().contains("id")) << boost::json::serialize(r);
    EXPECT_FALSE(r.at("duplicate").as_bool());
  }
  const std::string visitor = consumer_of_event(results[0]);
  ASSERT_FALSE(visitor.empty());
  for (size_t i : {1, 2, 4}) EXPECT_EQ(consumer_of_event(results[i]), visitor) << i;
  const std::string second = consumer_of_event(results[3]);
  EXPECT_EQ(consumer_of_event(results[5]), second);
  EXPECT_NE(second, visitor);

  auto consumers = obj(client_->get("/consumers", key_)).at("items").as_array();
  ASSERT_EQ(consumers.size(), 2u);
  auto c = obj(client_->get("/consumers/" + visitor, key_));
  EXPECT_EQ(c.at("external_id").as_string(), "v-1");
  EXPECT_EQ(c.at("email").as_string(), "vis@example.com");
  EXPECT_EQ(c.at("name").as_string(), "Vis");

  auto tl = obj(client_->get("/events/consumer/" + visitor + "/timeline", key_));
  EXPECT_EQ(tl.at("items").as_array().size(), 4u);
  // The context saw every event of the batch, in order, once.
  auto ctx = context_of(visitor);
  EXPECT_EQ(ctx.at("metrics").at("page_views").as_int64(), 3);
  EXPECT_EQ(ctx.at("metrics").at("service_clicks").as_int64(), 1);

  // A later batch finds them in the store, by any identity or by id.
  auto later = post_batch(R"({"consumer":{"email":"VIS@example.com"},"type":"page_view"},
      {"consumer_id":")" + visitor +
                          R"(","type":"email_opened"},
      {"consumer":{"external_id":"v-2","email":"two@example.com"},"type":"page_view"})");
  ASSERT_EQ(later.size(), 3u);
  EXPECT_EQ(consumer_of_event(later[0]), visitor);
  EXPECT_EQ(consumer_of_event(later[1]), visitor);
  EXPECT_EQ(consumer_of_event(later[2]), second);
  EXPECT_EQ(obj(client_->get("/consumers", key_)).at("items").as_array().size(), 2u);
  EXPECT_EQ(context_of(visitor).at("metrics").at("page_views").as_int64(), 4);
}

TEST_F(EventsTest, BatchRefusesOnlyTheEventWithAnUnknownConsumerId) {
  auto known = post_event(R"({"consumer":{"external_id":"known"},"type":"page_view"})");
  ASSERT_EQ(known.status, 202) << known.body;
  const std::string consumer = consumer_of_event(obj(known));
  // A consumer of another creator is unknown here too.
  std::string other_key = creator_key(create_creator("bravo"));
  auto foreign = client_->post(
      "/events", R"({"consumer":{"external_id":"theirs"},"type":"page_view"})", other_key);
  ASSERT_EQ(foreign.status, 202) << foreign.body;
  std::string foreign_consumer =
      str(obj(client_->get("/events/" + str(obj(foreign).at("id")), other_key)).at("consumer_id"));

  auto results = post_batch(R"({"consumer":{"external_id":"fresh"},"type":"page_view"},
      {"consumer_id":"0192f1a2-3b4c-7d5e-8f60-718293a4b5c6","type":"page_view"},
      {"consumer_id":")" + consumer +
                            R"(","type":"service_click"},
      {"consumer_id":")" + foreign_consumer +
                            R"(","type":"page_view"},
      {"consumer_id":"not-a-uuid","type":"page_view"},
      {"consumer_id":")" + consumer +
                            R"(","type":"page_view"})");
  ASSERT_EQ(results.size(), 6u);
  for (size_t i : {1, 3, 4}) {
    SCOPED_TRACE(i);
    expect_item_error(results[i], i, "not_found", "consumer_id");
  }
  for (size_t i : {0, 2, 5}) {
    ASSERT_TRUE(results[i].as_object().contains("id")) << i << boost::json::serialize(results[i]);
    EXPECT_FALSE(results[i].at("duplicate").as_bool());
  }
  EXPECT_EQ(consumer_of_event(results[2]), consumer);
  EXPECT_EQ(consumer_of_event(results[5]), consumer);
  EXPECT_EQ(count_events(), 4u);  // the single one before, three of the batch
  auto ctx = context_of(consumer);
  EXPECT_EQ(ctx.at("metrics").at("page_views").as_int64(), 2);
  EXPECT_EQ(ctx.at("metrics").at("service_clicks").as_int64(), 1);
  // The other creator's consumer got nothing.
  EXPECT_EQ(obj(client_->get("/events/consumer/" + foreign_consumer + "/timeline", other_key))
                .at("items")
                .as_array()
                .size(),
            1u);
}

TEST_F(EventsTest, BatchRepeatOfARefusedKeyIsRefusedTheSameWay) {
  const std::string missing = "0192f1a2-3b4c-7d5e-8f60-718293a4b5c6";
  const std::string refused =
      R"({"id":"k-missing","consumer_id":")" + missing + R"(","type":"page_view"})";
  auto results =
      post_batch(refused + "," +
                 R"({"id":"k-ok","consumer":{"external_id":"z"},"type":"page_view"},)" + refused);
  ASSERT_EQ(results.size(), 3u);
  expect_item_error(results[0], 0, "not_found", "consumer_id");
  expect_item_error(results[2], 2, "not_found", "consumer_id");
  EXPECT_EQ(results[2].at("error").at("message"), results[0].at("error").at("message"));
  ASSERT_TRUE(results[1].as_object().contains("id")) << boost::json::serialize(results[1]);
  EXPECT_FALSE(results[1].at("duplicate").as_bool());

  // Nothing was stored under the refused key: it is still free for a good event.
  auto events = obj(client_->get("/events?limit=500", key_)).at("items").as_array();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("idempotency_key").as_string(), "k-ok");
  auto fixed =
      post_event(R"({"id":"k-missing","consumer":{"external_id":"z"},"type":"page_view"})");
  EXPECT_EQ(fixed.status, 202) << fixed.body;
  EXPECT_FALSE(obj(fixed).at("duplicate").as_bool());
}

TEST_F(EventsTest, BatchRepeatedKeyWithTheSameBodyIsOneEvent) {
  const std::string uuid_id = "0192f1a2-3b4c-7d5e-8f60-718293a4b5c7";
  auto results = post_batch(
      R"({"id":"same-1","consumer":{"external_id":"r"},"type":"page_view","payload":{"a":1,"b":2}},
      {"id":")" +
      uuid_id + R"(","consumer":{"external_id":"r"},"type":"service_click"},
      {"payload":{"b":2,"a":1},"type":"page_view","consumer":{"external_id":"r"},"id":"same-1"},
      {"id":")" +
      uuid_id + R"(","consumer":{"external_id":"r"},"type":"service_click"},
      {"id":"same-1","consumer":{"external_id":"r"},"type":"page_view","payload":{"a":1,"b":2}})");
  ASSERT_EQ(results.size(), 5u);
  for (const auto& r : results) {
    ASSERT_TRUE(r.as_object().contains("id")) << boost::json::serialize(r);
  }
  EXPECT_FALSE(results[0].at("duplicate").as_bool());
  EXPECT_FALSE(results[1].at("duplicate").as_bool());
  EXPECT_EQ(str(results[1].at("id")), uuid_id);
  for (size_t i : {2, 4}) {
    EXPECT_TRUE(results[i].at("duplicate").as_bool()) << i;
    EXPECT_EQ(results[i].at("id"), results[0].at("id")) << i;
  }
  EXPECT_TRUE(results[3].at("duplicate").as_bool());
  EXPECT_EQ(str(results[3].at("id")), uuid_id);
  EXPECT_EQ(count_events(), 2u);
  // Processed once: the context counts one page view and one click.
  auto ctx = context_of(consumer_of_event(results[0]));
  EXPECT_EQ(ctx.at("metrics").at("page_views").as_int64(), 1);
  EXPECT_EQ(ctx.at("metrics").at("service_clicks").as_int64(), 1);
}

}  // namespace
}  // namespace ca::test
