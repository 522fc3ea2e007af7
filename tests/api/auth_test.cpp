// Authentication and tenant isolation through the real server.
#include "api_fixture.hpp"
#include "auth/api_keys.hpp"
#include "auth/authenticator.hpp"
#include "store/store.hpp"

namespace ca::test {
namespace {

TEST_F(ApiTest, HealthReadyAndContractNeedNoKey) {
  EXPECT_EQ(client_->get("/health").status, 200);
  EXPECT_EQ(obj(client_->get("/health")).at("status").as_string(), "ok");
  auto ready = client_->get("/ready");
  EXPECT_EQ(ready.status, 200) << ready.body;
  auto yaml = client_->get("/openapi.yaml");
  EXPECT_EQ(yaml.status, 200);
  EXPECT_NE(yaml.body.find("openapi:"), std::string::npos);
}

TEST_F(ApiTest, MetricsNeedAnAdminKeyAndCountRequests) {
  expect_error(client_->get("/metrics"), 401, "unauthorized");
  std::string a = create_creator("metrics");
  expect_error(client_->get("/metrics", creator_key(a)), 403, "forbidden");
  auto first = client_->get("/metrics", kAdminKey);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.header("content-type").substr(0, 10), "text/plain");
  for (const char* name :
       {"ca_http_requests_total{class=\"2xx\"}",
        "ca_http_request_duration_seconds_bucket{le=\"+Inf\"}", "ca_jobs", "ca_store_up 1",
        "ca_worker_jobs_succeeded_total", "process_resident_memory_bytes"}) {
    EXPECT_NE(first.body.find(name), std::string::npos) << name << "\n" << first.body;
  }
  // The counter moves: the 401 and 403 above were counted as 4xx.
  auto line = [](const std::string& body, const std::string& prefix) {
    auto p = body.find(prefix);
    return p == std::string::npos ? -1.0 : std::stod(body.substr(p + prefix.size()));
  };
  EXPECT_GE(line(first.body, "ca_http_requests_total{class=\"4xx\"} "), 2.0);

  // Single-event POSTs and batches are counted by the group committer.
  EXPECT_EQ(line(first.body, "\nca_ingest_group_commit_events_total "), 0.0) << first.body;
  const std::string key = creator_key(a);
  for (int i = 0; i < 3; ++i) {
    auto r =
        client_->post("/events", R"({"consumer":{"external_id":"m1"},"type":"page_view"})", key);
    ASSERT_EQ(r.status, 202) << r.body;
  }
  auto batch = client_->post(
      "/events/batch",
      R"({"events":[{"consumer":{"external_id":"m2"},"type":"page_view"},{"type":"page_view"}]})",
      key);
  ASSERT_EQ(batch.status, 200) << batch.body;
  auto second = client_->get("/metrics", kAdminKey);
  EXPECT_EQ(line(second.body, "\nca_ingest_group_commit_events_total "), 5.0) << second.body;
  const double commits = line(second.body, "\nca_ingest_group_commits_total ");
  EXPECT_GE(commits, 2.0);  // the batch came after the singles had their answers
  EXPECT_LE(commits, 4.0);
  EXPECT_EQ(line(second.body, "\nca_ingest_saturated_total "), 0.0);
}

TEST_F(ApiTest, MissingMalformedAndUnknownKeysAre401) {
  auto none = client_->get("/creators");
  expect_error(none, 401, "unauthorized");
  EXPECT_EQ(none.header("www-authenticate").substr(0, 6), "Bearer");
  expect_error(client_->request("GET", "/creators", {}, {{"Authorization", "Basic abc"}}), 401,
               "unauthorized");
  expect_error(client_->get("/creators", "ca_notarealkey000000000000000000000000000000"), 401,
               "unauthorized");
  expect_error(client_->get("/consumers", "x"), 401, "unauthorized");
}

TEST_F(ApiTest, CreatorKeysCannotUseAdminEndpoints) {
  std::string a = create_creator("alpha");
  std::string key = creator_key(a);
  expect_error(client_->post("/creators", R"({"name":"x","email":"x@example.com"})", key), 403,
               "forbidden");
  expect_error(client_->del("/creators/" + a, key), 403, "forbidden");
  // But it sees and edits its own creator.
  EXPECT_EQ(client_->get("/creators/" + a, key).status, 200);
  auto patched = client_->patch("/creators/" + a, R"({"timezone":"Asia/Kolkata"})", key);
  EXPECT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(obj(patched).at("timezone").as_string(), "Asia/Kolkata");
  auto list = obj(client_->get("/creators", key));
  ASSERT_EQ(list.at("items").as_array().size(), 1u);
  EXPECT_EQ(list.at("items").as_array()[0].at("id").as_string(), a);
}

// Every object route answers 404 (never 403) for another creator's object.
TEST_F(ApiTest, AnotherCreatorsObjectsAre404OnEveryRoute) {
  std::string a = create_creator("alpha");
  std::string b = create_creator("bravo");
  std::string key_a = creator_key(a);
  std::string key_b = creator_key(b);

  auto consumer =
      client_->post("/consumers", R"({"name":"Asha","email":"asha@example.com"})", key_a);
  ASSERT_EQ(consumer.status, 201) << consumer.body;
  std::string cid = str(obj(consumer).at("id"));
  auto product = client_->post(
      "/products",
      R"({"name":"Mock interview","type":"call","price":{"amount_minor":150000,"currency":"INR"}})",
      key_a);
  ASSERT_EQ(product.status, 201) << product.body;
  std::string pid = str(obj(product).at("id"));
  auto key_list = obj(client_->get("/creators/" + a + "/api-keys", kAdminKey));
  std::string key_id = str(key_list.at("items").as_array()[0].at("id"));

  struct Probe {
    const char* method;
    std::string path;
    std::string body;
  };
  std::vector<Probe> probes = {
      {"GET", "/creators/" + a, ""},
      {"PATCH", "/creators/" + a, R"({"name":"hijack"})"},
      {"POST", "/creators/" + a + "/api-keys", "{}"},
      {"GET", "/creators/" + a + "/api-keys", ""},
      {"DELETE", "/creators/" + a + "/api-keys/" + key_id, ""},
      {"GET", "/consumers/" + cid, ""},
      {"PATCH", "/consumers/" + cid, R"({"name":"hijack"})"},
      {"GET", "/consumers/" + cid + "/context", ""},
      {"GET", "/consumers/" + cid + "/export", ""},
      {"POST", "/consumers/" + cid + "/consent", R"({"channel":"email","granted":true})"},
      {"DELETE", "/consumers/" + cid, ""},
      {"GET", "/products/" + pid, ""},
      {"PATCH", "/products/" + pid, R"({"name":"hijack"})"},
      {"DELETE", "/products/" + pid, ""},
  };
  for (const auto& p : probes) {
    Headers h = {{"Authorization", "Bearer " + key_b}};
    if (!p.body.empty()) h.push_back({"Content-Type", "application/json"});
    auto r = client_->request(p.method, p.path, p.body, h);
    SCOPED_TRACE(std::string(p.method) + " " + p.path);
    expect_error(r, 404, "not_found");
  }
  // B's lists do not show A's rows; A's objects are untouched.
  EXPECT_TRUE(obj(client_->get("/consumers", key_b)).at("items").as_array().empty());
  EXPECT_TRUE(obj(client_->get("/products", key_b)).at("items").as_array().empty());
  auto still = obj(client_->get("/consumers/" + cid, key_a));
  EXPECT_EQ(still.at("name").as_string(), "Asha");
  EXPECT_EQ(client_->get("/products/" + pid, key_a).status, 200);
  EXPECT_EQ(client_->get("/consumers/" + cid, key_a).status, 200);
  // A creator key cannot place objects under another creator either.
  expect_error(client_->post("/consumers", R"({"name":"x","creator_id":")" + a + "\"}", key_b), 404,
               "not_found");
}

TEST_F(ApiTest, KeysAreShownOnceListedByPrefixAndRevocable) {
  std::string a = create_creator("alpha");
  auto minted = client_->post("/creators/" + a + "/api-keys", "", kAdminKey);
  ASSERT_EQ(minted.status, 201) << minted.body;
  std::string key = str(obj(minted).at("key"));
  std::string id = str(obj(minted).at("id"));
  EXPECT_EQ(key.substr(0, 11), str(obj(minted).at("prefix")));
  auto listed = client_->get("/creators/" + a + "/api-keys", kAdminKey);
  EXPECT_EQ(listed.body.find(key), std::string::npos) << "the full key must never be listed";
  EXPECT_NE(listed.body.find(key.substr(0, 11)), std::string::npos);

  EXPECT_TRUE(obj(listed).at("items").as_array()[0].at("last_used_at").is_null());
  EXPECT_EQ(client_->get("/consumers", key).status, 200);
  // The use is recorded (at most once a minute per key, not on every request).
  auto used = obj(client_->get("/creators/" + a + "/api-keys", kAdminKey));
  EXPECT_TRUE(used.at("items").as_array()[0].at("last_used_at").is_string()) << used;
  EXPECT_EQ(client_->del("/creators/" + a + "/api-keys/" + id, kAdminKey).status, 204);
  expect_error(client_->get("/consumers", key), 401, "unauthorized");
  expect_error(client_->del("/creators/" + a + "/api-keys/" + id, kAdminKey), 404, "not_found");
}

TEST_F(ApiTest, DeletingACreatorRemovesItsDataAndKeys) {
  std::string a = create_creator("alpha");
  std::string key = creator_key(a);
  auto consumer = client_->post("/consumers", R"({"email":"asha@example.com"})", key);
  ASSERT_EQ(consumer.status, 201);
  EXPECT_EQ(client_->del("/creators/" + a, kAdminKey).status, 204);
  expect_error(client_->get("/consumers", key), 401, "unauthorized");
  expect_error(client_->get("/consumers/" + str(obj(consumer).at("id")), kAdminKey), 404,
               "not_found");
  expect_error(client_->get("/creators/" + a, kAdminKey), 404, "not_found");
}

class BootstrapTest : public ApiTest {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>();
    start("");  // no ADMIN_API_KEY
  }
};

TEST_F(BootstrapTest, FirstStartPrintsAnAdminKeyOnceAndItWorks) {
  std::string out = startup_output_.str();
  auto pos = out.find("ca_");
  ASSERT_NE(pos, std::string::npos) << out;
  std::string key = out.substr(pos, 46);
  auto created = client_->post("/creators", R"({"name":"Ajay","email":"ajay@example.com"})", key);
  EXPECT_EQ(created.status, 201) << created.body;

  stop();
  startup_output_.str("");
  start("");
  EXPECT_EQ(startup_output_.str().find("ca_"), std::string::npos) << "printed a second admin key";
  EXPECT_EQ(client_->get("/creators", key).status, 200);
}

// A store with one creator and one creator key, for the Authenticator on its own.
struct OneKey {
  OneKey() {
    auto opened = store::open_store(store::StoreConfig{db.url(), 2, 5000});
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    if (!opened.ok()) return;
    store = std::move(*opened);
    EXPECT_TRUE(store->migrate().ok());
    c.id = ids.next();
    c.name = "Keys";
    c.email = "keys@example.com";
    c.created_at = c.updated_at = clock.now();
    k.id = ids.next();
    k.creator_id = c.id;
    k.prefix = minted.prefix;
    k.hash_hex = minted.hash_hex;
    k.created_at = clock.now();
    EXPECT_TRUE(store::in_tx(*store, store::TxMode::write, [&](store::Tx& tx) -> Result<void> {
                  CA_CHECK(tx.creators().insert(c));
                  return tx.api_keys().insert(k);
                }).ok());
  }

  TestDatabase db;
  std::unique_ptr<store::Store> store;
  ManualClock clock{Timestamp{std::chrono::seconds{1'800'000'000}}};
  SecureRandom random;
  IdGenerator ids{clock, random};
  Creator c;
  const auth::MintedKey minted = auth::mint_key(random);
  ApiKey k;
};

// A process writes a key's last_used_at at most once a minute, however many cache misses it
// has (a burst of first requests on a cold cache, or a zero TTL as here).
TEST(Authenticator, WritesLastUsedAtOncePerMinutePerKeyAcrossCacheMisses) {
  OneKey f;
  ASSERT_TRUE(f.store);
  auto last_used = [&]() -> std::optional<Timestamp> {
    auto keys = store::in_tx(*f.store, store::TxMode::read,
                             [&](store::Tx& tx) { return tx.api_keys().list_for_creator(f.c.id); });
    return keys.ok() && keys->size() == 1 ? keys->front().last_used_at : std::nullopt;
  };
  auth::Authenticator authn(*f.store, f.clock, "", std::chrono::seconds{0});  // every call misses
  const std::string header = "Bearer " + f.minted.key;
  const Timestamp first = f.clock.now();
  ASSERT_TRUE(authn.authenticate(header).ok());
  EXPECT_EQ(last_used(), first);

  // The stored time now looks stale (as if written long ago), but this process wrote it
  // less than a minute ago: another miss writes nothing.
  const Timestamp stale = first - std::chrono::minutes{5};
  ASSERT_TRUE(store::in_tx(*f.store, store::TxMode::write, [&](store::Tx& tx) {
                return tx.api_keys().touch(f.k.id, stale);
              }).ok());
  f.clock.advance(std::chrono::seconds{30});
  ASSERT_TRUE(authn.authenticate(header).ok());
  ASSERT_TRUE(authn.authenticate(header).ok());
  EXPECT_EQ(last_used(), stale);

  f.clock.advance(std::chrono::seconds{30});  // a minute after this process's write
  ASSERT_TRUE(authn.authenticate(header).ok());
  EXPECT_EQ(last_used(), f.clock.now());
}

// authenticate_cached answers only what needs no store read (an I/O thread calls it), and
// then exactly as authenticate would; otherwise it says nothing.
TEST(Authenticator, CachedAnswersNeedNoStoreAndColdKeysGetNone) {
  OneKey f;
  ASSERT_TRUE(f.store);
  const std::string admin_key = "admin-key-0123456789abcdef0123456789";
  auth::Authenticator authn(*f.store, f.clock, admin_key, std::chrono::seconds{5});
  auto cached = [&](std::optional<std::string_view> h) { return authn.authenticate_cached(h); };

  // Refused from the header alone.
  for (std::optional<std::string_view> h :
       {std::optional<std::string_view>{}, std::optional<std::string_view>{"Basic abc"},
        std::optional<std::string_view>{"Bearer "}}) {
    auto r = cached(h);
    ASSERT_TRUE(r.has_value());
    ASSERT_FALSE(r->ok());
    EXPECT_EQ(r->error().code, ErrorCode::unauthorized);
  }
  auto admin = cached("Bearer " + admin_key);
  ASSERT_TRUE(admin.has_value() && admin->ok());
  EXPECT_TRUE((*admin)->is_admin());

  // A valid key and an unknown one: nothing until authenticate has asked the store.
  const std::string good = "Bearer " + f.minted.key;
  const std::string bad = "Bearer ca_notarealkey000000000000000000000000000000";
  EXPECT_FALSE(cached(good).has_value());
  EXPECT_FALSE(cached(bad).has_value());
  ASSERT_TRUE(authn.authenticate(good).ok());
  ASSERT_FALSE(authn.authenticate(bad).ok());
  auto hit = cached(good);
  ASSERT_TRUE(hit.has_value() && hit->ok());
  EXPECT_EQ((*hit)->creator_id, f.c.id);
  EXPECT_EQ((*hit)->key_id, f.k.id);
  auto miss = cached(bad);
  ASSERT_TRUE(miss.has_value());
  ASSERT_FALSE(miss->ok());
  EXPECT_EQ(miss->error().code, ErrorCode::unauthorized);

  // Past the TTL, or evicted: the store must be asked again.
  f.clock.advance(std::chrono::seconds{6});
  EXPECT_FALSE(cached(good).has_value());
  ASSERT_TRUE(authn.authenticate(good).ok());
  EXPECT_TRUE(cached(good).has_value());
  authn.evict_key(f.k.id);
  EXPECT_FALSE(cached(good).has_value());
}

}  // namespace
}  // namespace ca::test
