#include <boost/json.hpp>

#include "store_fixture.hpp"

namespace ca::test {
namespace {

class ConsumersTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    creator_ = add_creator();
  }
  std::string creator_;
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
    auto r = tx->consumers().insert(dup);
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
  auto r = tx->consumers().insert(c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace ca::test
