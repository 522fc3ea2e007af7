#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "store_fixture.hpp"

namespace ca::test {
namespace {

// One page holds every consumer of the batch tests.
const PageRequest kAll{std::nullopt, 1000};

class ConsumersTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    creator_ = add_creator();
  }
  std::string creator_;

  // n consumers of `creator`, every identity set from `tag` and the index, inserted with
  // one insert_many and committed.
  std::vector<Consumer> add_many(const std::string& creator, int n, const std::string& tag) {
    std::vector<Consumer> cs;
    for (int i = 0; i < n; ++i) {
      auto c = make_consumer(creator);
      c.email = tag + std::to_string(i) + "@example.com";
      c.whatsapp = "+91" + tag + std::to_string(i);
      c.external_id = "ext-" + tag + std::to_string(i);
      cs.push_back(std::move(c));
    }
    auto tx = write();
    auto r = tx->consumers().insert_many(cs, store::ConsumerRepo::NewContexts::insert);
    EXPECT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(tx->commit().ok());
    return cs;
  }

  static std::string value_of(const Consumer& c, store::ConsumerKey key) {
    switch (key) {
      case store::ConsumerKey::id: return c.id;
      case store::ConsumerKey::external_id: return *c.external_id;
      case store::ConsumerKey::email: return *c.email;
      case store::ConsumerKey::whatsapp: return *c.whatsapp;
    }
    return {};
  }

  // find_ids_by as a value -> id map; fails the test on an error or a value found twice.
  std::map<std::string, std::string> find_ids(const std::string& creator, store::ConsumerKey key,
                                              const std::vector<std::string>& values) {
    auto tx = read();
    auto found = tx->consumers().find_ids_by(creator, key, values);
    EXPECT_TRUE(found.ok()) << found.error().message;
    std::map<std::string, std::string> out;
    if (!found.ok()) return out;
    for (const auto& [value, id] : *found) {
      EXPECT_TRUE(out.emplace(value, id).second) << "found twice: " << value;
    }
    return out;
  }

  ConsumerContext context(const std::string& consumer_id) {
    auto tx = read();
    auto ctx = tx->consumers().get_context(Tenant::admin(), consumer_id);
    EXPECT_TRUE(ctx.ok()) << ctx.error().message;
    return ctx.ok() ? *ctx : ConsumerContext{};
  }
};

TEST_F(ConsumersTest, InsertGetRoundTripWithConsent) {
  auto c = make_consumer(creator_);
  c.name = "Ravi";
  c.email = "ravi@example.com";
  c.whatsapp = "+919800000001";
  c.external_id = "ext-1";
  c.timezone = "Asia/Kolkata";
  c.consent[Channel::whatsapp] = Consent{true, "checkout", now()};
  c.consent[Channel::email] = Consent{false, "form", now() + std::chrono::seconds(1)};
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().insert(c));
    ASSERT_OK(tx->commit());
  }
  auto tx = read();
  auto got = tx->consumers().get(Tenant::creator(creator_), c.id);
  ASSERT_OK(got);
  EXPECT_EQ(got->creator_id, creator_);
  EXPECT_EQ(got->name, "Ravi");
  EXPECT_EQ(got->email, "ravi@example.com");
  EXPECT_EQ(got->whatsapp, "+919800000001");
  EXPECT_EQ(got->external_id, "ext-1");
  EXPECT_EQ(got->timezone, "Asia/Kolkata");
  EXPECT_EQ(got->created_at, c.created_at);
  ASSERT_EQ(got->consent.size(), 2u);
  EXPECT_TRUE(got->consent.at(Channel::whatsapp).granted);
  EXPECT_EQ(got->consent.at(Channel::whatsapp).source, "checkout");
  EXPECT_EQ(got->consent.at(Channel::whatsapp).at, now());
  EXPECT_FALSE(got->consent.at(Channel::email).granted);
  EXPECT_EQ(got->consent.at(Channel::email).at, now() + std::chrono::seconds(1));
}

TEST_F(ConsumersTest, InsertCreatesContextInStageNew) {
  auto id = add_consumer(creator_);
  auto tx = read();
  auto ctx = tx->consumers().get_context(Tenant::creator(creator_), id);
  ASSERT_OK(ctx);
  EXPECT_EQ(ctx->consumer_id, id);
  EXPECT_EQ(ctx->creator_id, creator_);
  EXPECT_EQ(ctx->stage, Stage::new_);
  EXPECT_EQ(ctx->lead_score, 0);
  EXPECT_FALSE(ctx->last_seen_at.has_value());
  EXPECT_EQ(ctx->metrics_json, "{}");
  EXPECT_EQ(ctx->attributes_json, "{}");
}

TEST_F(ConsumersTest, PutContextRoundTrip) {
  auto id = add_consumer(creator_);
  ConsumerContext ctx;
  ctx.consumer_id = id;
  ctx.creator_id = creator_;
  ctx.stage = Stage::engaged;
  ctx.lead_score = 0.1 + 0.2;  // not representable in 15 digits
  ctx.last_seen_at = now();
  ctx.metrics_json = R"({"page_views":3,"service_clicks":1})";
  ctx.attributes_json = R"({"city":"Pune"})";
  ctx.updated_at = now();
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().put_context(ctx));
    ASSERT_OK(tx->commit());
  }
  auto tx = read();
  auto got = tx->consumers().get_context(Tenant::admin(), id);
  ASSERT_OK(got);
  EXPECT_EQ(got->stage, Stage::engaged);
  EXPECT_EQ(got->lead_score, 0.1 + 0.2);
  EXPECT_EQ(got->last_seen_at, now());
  // PostgreSQL's jsonb normalises whitespace: compare as JSON.
  EXPECT_EQ(boost::json::parse(got->metrics_json), boost::json::parse(ctx.metrics_json));
  EXPECT_EQ(boost::json::parse(got->attributes_json), boost::json::parse(ctx.attributes_json));

  ctx.consumer_id = new_id();
  auto tx2 = write();
  EXPECT_CODE(tx2->consumers().put_context(ctx), not_found);
}

TEST_F(ConsumersTest, DuplicatesWithinCreatorAreConflictsNamingTheField) {
  auto first = make_consumer(creator_);
  first.email = "a@example.com";
  first.whatsapp = "+911";
  first.external_id = "x1";
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().insert(first));
    ASSERT_OK(tx->commit());
  }
  struct Case {
    const char* field;
    void (*set)(Consumer&);
  };
  const Case cases[] = {
      {"email", [](Consumer& c) { c.email = "a@example.com"; }},
      {"whatsapp", [](Consumer& c) { c.whatsapp = "+911"; }},
      {"external_id", [](Consumer& c) { c.external_id = "x1"; }},
  };
  for (const auto& k : cases) {
    auto dup = make_consumer(creator_);
    k.set(dup);
    auto tx = write();
    auto r = with_commit(*tx, tx->consumers().insert(dup));
    ASSERT_FALSE(r.ok()) << k.field;
    EXPECT_EQ(r.error().code, ErrorCode::conflict) << k.field;
    EXPECT_EQ(r.error().field, k.field);
  }
  // The same contact under another creator is a different consumer.
  auto other = add_creator("Other");
  auto twin = make_consumer(other);
  twin.email = first.email;
  twin.whatsapp = first.whatsapp;
  twin.external_id = first.external_id;
  auto tx = write();
  ASSERT_OK(tx->consumers().insert(twin));
  // Consumers without contact details never collide.
  ASSERT_OK(tx->consumers().insert(make_consumer(creator_)));
  ASSERT_OK(tx->consumers().insert(make_consumer(creator_)));
  ASSERT_OK(tx->commit());
}

TEST_F(ConsumersTest, UpdateToTakenEmailIsConflict) {
  add_consumer(creator_, "a@example.com");
  auto id = add_consumer(creator_, "b@example.com");
  auto tx = write();
  auto c = tx->consumers().get(Tenant::admin(), id);
  ASSERT_OK(c);
  Consumer changed = *c;
  changed.email = "a@example.com";
  auto r = tx->consumers().update(Tenant::admin(), changed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::conflict);
  EXPECT_EQ(r.error().field, "email");
}

TEST_F(ConsumersTest, FindByEachKey) {
  auto c = make_consumer(creator_);
  c.email = "f@example.com";
  c.whatsapp = "+912";
  c.external_id = "ext-9";
  c.consent[Channel::sms] = Consent{true, "import", now()};
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().insert(c));
    ASSERT_OK(tx->commit());
  }
  auto other = add_creator("Other");
  auto tx = read();
  for (auto [key, value] : {std::pair{store::ConsumerKey::email, "f@example.com"},
                            std::pair{store::ConsumerKey::whatsapp, "+912"},
                            std::pair{store::ConsumerKey::external_id, "ext-9"}}) {
    auto found = tx->consumers().find_by(creator_, key, value);
    ASSERT_OK(found);
    ASSERT_TRUE(found->has_value()) << value;
    EXPECT_EQ((*found)->id, c.id);
    EXPECT_TRUE((*found)->consent.at(Channel::sms).granted);
    auto elsewhere = tx->consumers().find_by(other, key, value);
    ASSERT_OK(elsewhere);
    EXPECT_FALSE(elsewhere->has_value());
  }
  auto missing = tx->consumers().find_by(creator_, store::ConsumerKey::email, "nobody@example.com");
  ASSERT_OK(missing);
  EXPECT_FALSE(missing->has_value());
}

TEST_F(ConsumersTest, SetConsentInsertsThenReplaces) {
  auto id = add_consumer(creator_);
  const auto later = now() + std::chrono::hours(1);
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().set_consent(Tenant::creator(creator_), id, Channel::whatsapp,
                                          Consent{true, "widget", now()}));
    ASSERT_OK(tx->consumers().set_consent(Tenant::admin(), id, Channel::whatsapp,
                                          Consent{false, "STOP", later}));
    EXPECT_CODE(tx->consumers().set_consent(Tenant::admin(), new_id(), Channel::email,
                                            Consent{true, "x", now()}),
                not_found);
    ASSERT_OK(tx->commit());
  }
  auto tx = read();
  auto got = tx->consumers().get(Tenant::admin(), id);
  ASSERT_OK(got);
  ASSERT_EQ(got->consent.size(), 1u);
  const auto& wa = got->consent.at(Channel::whatsapp);
  EXPECT_FALSE(wa.granted);
  EXPECT_EQ(wa.source, "STOP");
  EXPECT_EQ(wa.at, later);
}

TEST_F(ConsumersTest, UpdateReplacesContactFieldsButNotConsent) {
  auto c = make_consumer(creator_);
  c.name = "Old";
  c.email = "old@example.com";
  c.consent[Channel::email] = Consent{true, "form", now()};
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().insert(c));
    ASSERT_OK(tx->commit());
  }
  c.name = "New";
  c.email.reset();
  c.whatsapp = "+913";
  c.consent.clear();
  c.updated_at = now() + std::chrono::minutes(1);
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().update(Tenant::creator(creator_), c));
    ASSERT_OK(tx->commit());
  }
  auto tx = read();
  auto got = tx->consumers().get(Tenant::admin(), c.id);
  ASSERT_OK(got);
  EXPECT_EQ(got->name, "New");
  EXPECT_FALSE(got->email.has_value());
  EXPECT_EQ(got->whatsapp, "+913");
  EXPECT_EQ(got->updated_at, c.updated_at);
  EXPECT_EQ(got->consent.size(), 1u);
}

TEST_F(ConsumersTest, FilterByStage) {
  auto a = add_consumer(creator_);
  auto b = add_consumer(creator_);
  {
    auto tx = write();
    auto ctx = tx->consumers().get_context(Tenant::admin(), b);
    ASSERT_OK(ctx);
    ctx->stage = Stage::converted;
    ASSERT_OK(tx->consumers().put_context(*ctx));
    ASSERT_OK(tx->commit());
  }
  auto tx = read();
  store::ConsumerFilter f;
  f.stage = Stage::converted;
  auto converted = tx->consumers().list(Tenant::creator(creator_), f, {});
  ASSERT_OK(converted);
  ASSERT_EQ(converted->items.size(), 1u);
  EXPECT_EQ(converted->items[0].id, b);
  f.stage = Stage::new_;
  auto fresh = tx->consumers().list(Tenant::admin(), f, {});
  ASSERT_OK(fresh);
  ASSERT_EQ(fresh->items.size(), 1u);
  EXPECT_EQ(fresh->items[0].id, a);
}

TEST_F(ConsumersTest, QueryIsCaseInsensitiveSubstringWithLiteralWildcards) {
  auto insert = [&](std::optional<std::string> name, std::optional<std::string> email,
                    std::optional<std::string> ext) {
    auto c = make_consumer(creator_);
    c.name = std::move(name);
    c.email = std::move(email);
    c.external_id = std::move(ext);
    auto tx = write();
    EXPECT_TRUE(tx->consumers().insert(c).ok());
    EXPECT_TRUE(tx->commit().ok());
    return c.id;
  };
  auto ravi = insert("Ravi Kumar", "ravi@example.com", std::nullopt);
  auto pct = insert("100% Fan", std::nullopt, std::nullopt);
  auto under = insert(std::nullopt, "a_b@example.com", "ID-77");
  insert("Meera", "meera@example.com", std::nullopt);

  auto search = [&](std::string q) {
    store::ConsumerFilter f;
    f.q = std::move(q);
    auto tx = read();
    auto page = tx->consumers().list(Tenant::creator(creator_), f, {});
    EXPECT_TRUE(page.ok());
    std::vector<std::string> ids;
    if (page.ok()) {
      for (const auto& c : page->items) ids.push_back(c.id);
    }
    return ids;
  };
  EXPECT_EQ(search("KUMAR"), std::vector<std::string>{ravi});
  EXPECT_EQ(search("ravi@"), std::vector<std::string>{ravi});
  EXPECT_EQ(search("%"), std::vector<std::string>{pct});
  EXPECT_EQ(search("0% f"), std::vector<std::string>{pct});
  EXPECT_EQ(search("a_b"), std::vector<std::string>{under});
  EXPECT_EQ(search("id-7"), std::vector<std::string>{under});
  EXPECT_TRUE(search("nobody").empty());
}

TEST_F(ConsumersTest, RemoveErasesConsumerContextAndConsent) {
  auto c = make_consumer(creator_);
  c.email = "gone@example.com";
  c.consent[Channel::email] = Consent{true, "form", now()};
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().insert(c));
    ASSERT_OK(tx->commit());
  }
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().remove(Tenant::creator(creator_), c.id));
    EXPECT_CODE(tx->consumers().remove(Tenant::creator(creator_), c.id), not_found);
    ASSERT_OK(tx->commit());
  }
  auto tx = write();
  EXPECT_CODE(tx->consumers().get(Tenant::admin(), c.id), not_found);
  EXPECT_CODE(tx->consumers().get_context(Tenant::admin(), c.id), not_found);
  // The email is free again, and the old consent does not come back with a new id.
  auto again = make_consumer(creator_);
  again.email = "gone@example.com";
  ASSERT_OK(tx->consumers().insert(again));
  auto got = tx->consumers().get(Tenant::admin(), again.id);
  ASSERT_OK(got);
  EXPECT_TRUE(got->consent.empty());
}

TEST_F(ConsumersTest, InsertForUnknownCreatorFails) {
  auto c = make_consumer(new_id());
  auto tx = write();
  auto r = with_commit(*tx, tx->consumers().insert(c));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
}

// --- Batch forms used by ingestion ------------------------------------------------------

TEST_F(ConsumersTest, FindIdsByEachKeyAcrossPaddingAndChunks) {
  const auto mine = add_many(creator_, 600, "a");
  const auto other = add_creator("Other");
  const auto twins = add_many(other, 10, "a");  // the same identities as mine[0..9]
  const auto theirs = add_many(other, 5, "b");  // identities only the other creator has
  for (auto key : {store::ConsumerKey::id, store::ConsumerKey::external_id,
                   store::ConsumerKey::email, store::ConsumerKey::whatsapp}) {
    SCOPED_TRACE("key " + std::to_string(static_cast<int>(key)));
    // 8 fills the narrowest IN list, 9 pads to 16, 600 spans two statements of 500.
    for (size_t n : {0, 1, 8, 9, 600}) {
      std::vector<std::string> values;
      for (size_t i = 0; i < n; ++i) values.push_back(value_of(mine[i], key));
      auto found = find_ids(creator_, key, values);
      EXPECT_EQ(found.size(), n) << n << " values";
      for (size_t i = 0; i < n; ++i) {
        auto it = found.find(values[i]);
        ASSERT_NE(it, found.end()) << values[i];
        EXPECT_EQ(it->second, mine[i].id) << values[i];
      }
    }
    // Unknown values among known ones, in the second chunk too.
    std::vector<std::string> mixed;
    for (size_t i = 0; i < 600; ++i) mixed.push_back(value_of(mine[i], key));
    mixed.insert(mixed.begin() + 3, value_of(theirs[0], key));
    mixed.push_back(key == store::ConsumerKey::id ? new_id() : "nobody");
    EXPECT_EQ(find_ids(creator_, key, mixed).size(), 600u);

    // Another creator's values are not found, and the same value names each creator's own.
    std::vector<std::string> foreign;
    for (const auto& c : theirs) foreign.push_back(value_of(c, key));
    for (const auto& c : twins) foreign.push_back(value_of(c, key));
    auto none =
        find_ids(creator_, key, std::vector<std::string>(foreign.begin(), foreign.begin() + 5));
    EXPECT_TRUE(none.empty());
    std::vector<std::string> shared;
    for (size_t i = 0; i < 10; ++i) shared.push_back(value_of(mine[i], key));
    shared.push_back(value_of(mine[100], key));
    auto in_other = find_ids(other, key, shared);
    if (key == store::ConsumerKey::id) {
      EXPECT_TRUE(in_other.empty());
    } else {
      ASSERT_EQ(in_other.size(), 10u);
      for (size_t i = 0; i < 10; ++i) EXPECT_EQ(in_other[shared[i]], twins[i].id);
    }
  }
}

TEST_F(ConsumersTest, FindIdsByIdIgnoresValuesThatAreNotUuids) {
  const auto mine = add_many(creator_, 2, "a");
  std::string upper = mine[1].id;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](char ch) { return ch >= 'a' && ch <= 'f' ? static_cast<char>(ch - 32) : ch; });
  auto found = find_ids(creator_, store::ConsumerKey::id,
                        {"not-a-uuid", "", mine[0].id, upper, "' OR 1=1 --"});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[mine[0].id], mine[0].id);
  EXPECT_TRUE(find_ids(creator_, store::ConsumerKey::id, {"nope"}).empty());
  // A creator id that is not a UUID sees nothing either (and no uuid cast error on PG).
  EXPECT_TRUE(find_ids("creator", store::ConsumerKey::email, {*mine[0].email}).empty());
}

TEST_F(ConsumersTest, InsertManyCreatesContextsAndConsents) {
  std::vector<Consumer> cs;
  for (int i = 0; i < 600; ++i) {
    auto c = make_consumer(creator_);
    c.name = "n" + std::to_string(i);
    c.email = "m" + std::to_string(i) + "@example.com";
    c.consent[Channel::whatsapp] = Consent{i % 2 == 0, "import-" + std::to_string(i), now()};
    if (i % 3 == 0) c.consent[Channel::email] = Consent{true, "form", now()};
    cs.push_back(std::move(c));
  }
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().insert_many(cs, store::ConsumerRepo::NewContexts::insert));
    ASSERT_OK(tx->commit());
  }
  auto tx = read();
  for (size_t i = 0; i < cs.size(); ++i) {
    SCOPED_TRACE(i);
    auto got = tx->consumers().get(Tenant::creator(creator_), cs[i].id);
    ASSERT_OK(got);
    EXPECT_EQ(got->name, cs[i].name);
    EXPECT_EQ(got->email, cs[i].email);
    EXPECT_EQ(got->created_at, cs[i].created_at);
    ASSERT_EQ(got->consent.size(), i % 3 == 0 ? 2u : 1u);
    EXPECT_EQ(got->consent.at(Channel::whatsapp).granted, i % 2 == 0);
    EXPECT_EQ(got->consent.at(Channel::whatsapp).source, "import-" + std::to_string(i));
    EXPECT_EQ(got->consent.at(Channel::whatsapp).at, cs[i].consent.at(Channel::whatsapp).at);
    if (i % 3 == 0) {
      EXPECT_TRUE(got->consent.at(Channel::email).granted);
    }
    auto ctx = tx->consumers().get_context(Tenant::creator(creator_), cs[i].id);
    ASSERT_OK(ctx);
    EXPECT_EQ(ctx->creator_id, creator_);
    EXPECT_EQ(ctx->stage, Stage::new_);
    EXPECT_EQ(ctx->lead_score, 0);
    EXPECT_FALSE(ctx->last_seen_at.has_value());
    EXPECT_EQ(ctx->updated_at, cs[i].created_at);
  }
  store::ConsumerFilter f;
  f.stage = Stage::new_;
  auto fresh = tx->consumers().list(Tenant::creator(creator_), f, kAll);
  ASSERT_OK(fresh);
  EXPECT_EQ(fresh->items.size(), 600u);
}

TEST_F(ConsumersTest, InsertManyDuplicateEmailIsConflictAndRollsBackWhole) {
  // Within one statement, and across the 500-row boundary.
  for (size_t second : {size_t{7}, size_t{550}}) {
    SCOPED_TRACE(second);
    std::vector<Consumer> cs;
    for (size_t i = 0; i < 600; ++i) {
      auto c = make_consumer(creator_);
      c.email = "u" + std::to_string(i) + "@example.com";
      cs.push_back(std::move(c));
    }
    cs[second].email = cs[2].email;
    {
      auto tx = write();
      auto r = with_commit(
          *tx, tx->consumers().insert_many(cs, store::ConsumerRepo::NewContexts::insert));
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().code, ErrorCode::conflict) << r.error().message;
      EXPECT_EQ(r.error().field, "email");
    }  // rolled back
    auto tx = read();
    auto all = tx->consumers().list(Tenant::creator(creator_), {}, kAll);
    ASSERT_OK(all);
    EXPECT_TRUE(all->items.empty());
  }
}

TEST_F(ConsumersTest, GetContextsForUpdateOnlyTheCreatorsKnownIdsOnce) {
  const auto mine = add_many(creator_, 3, "a");
  const auto other = add_creator("Other");
  const auto theirs = add_many(other, 1, "a");
  auto tx = write();
  auto none = tx->consumers().get_contexts_for_update(creator_, {});
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
  auto got = tx->consumers().get_contexts_for_update(
      creator_, {mine[2].id, mine[0].id, theirs[0].id, new_id(), "bad", mine[0].id, mine[2].id});
  ASSERT_OK(got);
  std::vector<std::string> ids;
  for (const auto& ctx : *got) {
    ids.push_back(ctx.consumer_id);
    EXPECT_EQ(ctx.creator_id, creator_);
    EXPECT_EQ(ctx.stage, Stage::new_);
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{mine[0].id, mine[2].id}));
  // The other creator sees its own and none of mine; a bad creator id sees nothing.
  auto theirs_ctx =
      tx->consumers().get_contexts_for_update(other, {theirs[0].id, mine[0].id, mine[1].id});
  ASSERT_OK(theirs_ctx);
  ASSERT_EQ(theirs_ctx->size(), 1u);
  EXPECT_EQ(theirs_ctx->front().consumer_id, theirs[0].id);
  auto bad = tx->consumers().get_contexts_for_update("nobody", {mine[0].id});
  ASSERT_OK(bad);
  EXPECT_TRUE(bad->empty());
}

TEST_F(ConsumersTest, GetContextsForUpdateSpansChunks) {
  const auto mine = add_many(creator_, 600, "a");
  std::vector<std::string> ids;
  for (const auto& c : mine) ids.push_back(c.id);
  std::reverse(ids.begin(), ids.end());
  auto tx = write();
  auto got = tx->consumers().get_contexts_for_update(creator_, ids);
  ASSERT_OK(got);
  std::set<std::string> seen;
  for (const auto& ctx : *got) seen.insert(ctx.consumer_id);
  EXPECT_EQ(got->size(), 600u);
  EXPECT_EQ(seen, std::set<std::string>(ids.begin(), ids.end()));
}

TEST_F(ConsumersTest, PutContextsUpdatesSeveralAndRoundTrips) {
  const auto mine = add_many(creator_, 3, "a");
  std::vector<ConsumerContext> ctxs;
  for (size_t i = 0; i < 2; ++i) {
    ConsumerContext ctx;
    ctx.consumer_id = mine[i].id;
    ctx.creator_id = creator_;
    ctx.stage = i == 0 ? Stage::engaged : Stage::converted;
    ctx.lead_score = i == 0 ? 0.1 + 0.2 : 87.5;
    ctx.last_seen_at = now() + std::chrono::seconds(static_cast<int>(i));
    ctx.metrics_json = R"({"page_views":)" + std::to_string(3 + i) + "}";
    ctx.attributes_json = R"({"city":"Pune","i":)" + std::to_string(i) + "}";
    ctx.updated_at = now() + std::chrono::minutes(1);
    ctxs.push_back(ctx);
  }
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().put_contexts({}));
    ASSERT_OK(tx->consumers().put_contexts(ctxs));
    ASSERT_OK(tx->commit());
  }
  for (const auto& want : ctxs) {
    auto got = context(want.consumer_id);
    EXPECT_EQ(got.creator_id, creator_);
    EXPECT_EQ(got.stage, want.stage);
    EXPECT_EQ(got.lead_score, want.lead_score);
    EXPECT_EQ(got.last_seen_at, want.last_seen_at);
    EXPECT_EQ(got.updated_at, want.updated_at);
    EXPECT_EQ(boost::json::parse(got.metrics_json), boost::json::parse(want.metrics_json));
    EXPECT_EQ(boost::json::parse(got.attributes_json), boost::json::parse(want.attributes_json));
  }
  EXPECT_EQ(context(mine[2].id).stage, Stage::new_);  // not in the call: untouched

  // A second write replaces: last_seen_at can go back to NULL.
  ctxs[1].last_seen_at.reset();
  ctxs[1].stage = Stage::churned;
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().put_contexts(ctxs));
    ASSERT_OK(tx->commit());
  }
  EXPECT_FALSE(context(mine[1].id).last_seen_at.has_value());
  EXPECT_EQ(context(mine[1].id).stage, Stage::churned);
  EXPECT_EQ(context(mine[0].id).stage, Stage::engaged);
}

TEST_F(ConsumersTest, PutContextsSpansChunks) {
  const auto mine = add_many(creator_, 600, "a");
  std::vector<ConsumerContext> ctxs;
  for (const auto& c : mine) {
    ConsumerContext ctx;
    ctx.consumer_id = c.id;
    ctx.creator_id = creator_;
    ctx.stage = Stage::interested;
    ctx.updated_at = now();
    ctxs.push_back(ctx);
  }
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().put_contexts(ctxs));
    ASSERT_OK(tx->commit());
  }
  store::ConsumerFilter f;
  f.stage = Stage::interested;
  auto tx = read();
  auto page = tx->consumers().list(Tenant::creator(creator_), f, kAll);
  ASSERT_OK(page);
  EXPECT_EQ(page->items.size(), 600u);
}

// Ingestion's form: contexts it locked, and the first context of a consumer it inserted
// without one (NewContexts::by_caller), in one call that may travel with the COMMIT.
TEST_F(ConsumersTest, PutLockedContextsUpdatesLockedAndCreatesFirstContexts) {
  const auto mine = add_many(creator_, 2, "a");
  auto fresh = make_consumer(creator_);
  std::vector<ConsumerContext> ctxs;
  {
    auto tx = write();
    ASSERT_OK(tx->consumers().insert_many({fresh}, store::ConsumerRepo::NewContexts::by_caller));
    auto locked = tx->consumers().get_contexts_for_update(creator_, {mine[0].id, mine[1].id});
    ASSERT_OK(locked);
    ASSERT_EQ(locked->size(), 2u);
    ctxs = *locked;
    ConsumerContext first;
    first.consumer_id = fresh.id;
    first.creator_id = creator_;
    ctxs.push_back(first);
    for (auto& ctx : ctxs) {
      ctx.stage = Stage::engaged;
      ctx.metrics_json = R"({"page_views":2})";
      ctx.updated_at = now() + std::chrono::minutes(1);
    }
    ASSERT_OK(tx->consumers().put_locked_contexts(ctxs, store::ConsumerRepo::StageWrite::set));
    ASSERT_OK(tx->commit());
  }
  for (const auto& want : ctxs) {
    auto got = context(want.consumer_id);
    EXPECT_EQ(got.stage, Stage::engaged);
    EXPECT_EQ(got.updated_at, want.updated_at);
    EXPECT_EQ(boost::json::parse(got.metrics_json), boost::json::parse(want.metrics_json));
  }
}

// StageWrite::keep is for contexts whose stage did not change: the write leaves the stored
// stage as it is (so it never touches the stage index) and writes everything else.
TEST_F(ConsumersTest, PutLockedContextsKeepingTheStageLeaveItAsStored) {
  const auto mine = add_many(creator_, 1, "a");
  ConsumerContext ctx;
  {
    auto tx = write();
    auto locked = tx->consumers().get_contexts_for_update(creator_, {mine[0].id});
    ASSERT_OK(locked);
    ASSERT_EQ(locked->size(), 1u);
    ctx = locked->front();
    ctx.stage = Stage::engaged;  // a caller breaking the promise: not written
    ctx.metrics_json = R"({"page_views":3})";
    ctx.updated_at = now() + std::chrono::minutes(2);
    ASSERT_OK(tx->consumers().put_locked_contexts({ctx}, store::ConsumerRepo::StageWrite::keep));
    ASSERT_OK(tx->commit());
  }
  auto got = context(mine[0].id);
  EXPECT_EQ(got.stage, Stage::new_);
  EXPECT_EQ(got.updated_at, ctx.updated_at);
  EXPECT_EQ(boost::json::parse(got.metrics_json), boost::json::parse(ctx.metrics_json));
}

TEST_F(ConsumersTest, PutContextsNeverWritesAnotherCreatorsContext) {
  const auto mine = add_many(creator_, 1, "a");
  const auto other = add_creator("Other");
  const auto theirs = add_many(other, 1, "a");
  ConsumerContext own;
  own.consumer_id = mine[0].id;
  own.creator_id = creator_;
  own.stage = Stage::converted;
  own.updated_at = now();
  ConsumerContext foreign = own;  // claims to be mine, names the other creator's consumer
  foreign.consumer_id = theirs[0].id;
  {
    auto tx = write();
    EXPECT_CODE(tx->consumers().put_contexts({own, foreign}), not_found);
  }  // rolled back
  EXPECT_EQ(context(theirs[0].id).stage, Stage::new_);
  EXPECT_EQ(context(theirs[0].id).creator_id, other);
  EXPECT_EQ(context(mine[0].id).stage, Stage::new_);
}

// store.hpp: "not_found when any of them is not there", as put_context answers.
TEST_F(ConsumersTest, PutContextsOfAnUnknownConsumerIsNotFound) {
  const auto mine = add_many(creator_, 1, "a");
  ConsumerContext own;
  own.consumer_id = mine[0].id;
  own.creator_id = creator_;
  own.stage = Stage::converted;
  own.updated_at = now();
  ConsumerContext missing = own;
  missing.consumer_id = new_id();
  {
    auto tx = write();
    EXPECT_CODE(tx->consumers().put_contexts({own, missing}), not_found);
  }
  EXPECT_EQ(context(mine[0].id).stage, Stage::new_);
  auto tx = read();
  EXPECT_CODE(tx->consumers().get_context(Tenant::admin(), missing.consumer_id), not_found);
}

}  // namespace
}  // namespace ca::test
