// Review decisions over HTTP: approve (with an edit), reject, cancel; invalid transitions
// are 409, other tenants' actions 404; the sandbox outbox.
#include "actions_api_fixture.hpp"

namespace ca::test {
namespace {

using namespace std::chrono_literals;

TEST_F(ActionsApiTest, ApproveWithEditedTextSchedulesAndSendsToTheOutbox) {
  auto creator = create_creator("coach", kNoQuietHours);
  auto key = creator_key(creator);
  auto co = consumer(key, "+919811111111");
  // Email: no WhatsApp 24-hour window needed. Due already: sent once approved.
  auto id = plan(creator, co, "awaiting_review", clock_.now() - 1min, Channel::email, "draft");

  auto bad = client_->post("/actions/" + id + "/approve", R"({"message":"   "})", key);
  expect_error(bad, 400, "invalid_argument", "message");
  auto too_long = client_->post("/actions/" + id + "/approve",
                                R"({"message":")" + std::string(5000, 'x') + R"("})", key);
  expect_error(too_long, 400, "invalid_argument", "message");
  auto unknown = client_->post("/actions/" + id + "/approve", R"({"text":"x"})", key);
  expect_error(unknown, 400, "invalid_argument", "text");

  auto ok = client_->post("/actions/" + id + "/approve", R"({"message":"Final text, Asha."})", key);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(obj(ok).at("status").as_string(), "scheduled");
  EXPECT_EQ(obj(ok).at("message").as_string(), "Final text, Asha.");

  // The worker inside serve sends it through the sandbox channel.
  ASSERT_TRUE(eventually([&] {
    auto a = client_->get("/actions/" + id, key);
    return a.status == 200 && obj(a).at("status").as_string() == "sent";
  }));
  auto detail = obj(client_->get("/actions/" + id, key));
  EXPECT_EQ(detail.at("attempts").as_int64(), 1);
  auto history = obj(client_->get("/actions/" + id + "/attempts", key)).at("items").as_array();
  ASSERT_EQ(history.size(), 1U);
  EXPECT_EQ(history[0].at("outcome").as_string(), "accepted");
  EXPECT_EQ(history[0].at("channel").as_string(), "sandbox");

  auto box = client_->get("/outbox", key);
  ASSERT_EQ(box.status, 200) << box.body;
  const auto page = obj(box);
  const auto& items = page.at("items").as_array();
  ASSERT_EQ(items.size(), 1U);
  EXPECT_EQ(items[0].at("action_id").as_string(), id);
  EXPECT_EQ(items[0].at("body").as_string(), "Final text, Asha.");
  EXPECT_EQ(items[0].at("to").as_string(), "919811111111@example.net");
  EXPECT_TRUE(page.at("next_cursor").is_null());

  // Approving again: 409 with a message that says why.
  auto again = client_->post("/actions/" + id + "/approve", "", key);
  expect_error(again, 409, "conflict");
  auto cancel_sent = client_->post("/actions/" + id + "/cancel", "", key);
  expect_error(cancel_sent, 409, "conflict");
}

TEST_F(ActionsApiTest, RejectAndCancelFollowTheLifecycle) {
  auto creator = create_creator("coach");
  auto key = creator_key(creator);
  auto co = consumer(key, "+919822222222");
  auto review = plan(creator, co, "awaiting_review", clock_.now() + 24h);
  auto scheduled = plan(creator, co, "scheduled", clock_.now() + 24h);

  expect_error(client_->post("/actions/" + review + "/reject", "{}", key), 400, "invalid_argument",
               "reason");
  expect_error(client_->post("/actions/" + review + "/reject", "{", key), 400, "malformed_json");
  auto rejected = client_->post("/actions/" + review + "/reject", R"({"reason":"off-brand"})", key);
  ASSERT_EQ(rejected.status, 200) << rejected.body;
  EXPECT_EQ(obj(rejected).at("status").as_string(), "rejected");
  expect_error(client_->post("/actions/" + review + "/approve", "", key), 409, "conflict");
  expect_error(client_->post("/actions/" + review + "/cancel", "", key), 409, "conflict");

  // A scheduled action cannot be rejected (it was never in review), but can be cancelled.
  expect_error(client_->post("/actions/" + scheduled + "/reject", R"({"reason":"x"})", key), 409,
               "conflict");
  auto cancelled = client_->post("/actions/" + scheduled + "/cancel", "", key);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(obj(cancelled).at("status").as_string(), "cancelled");
  auto list = client_->get("/actions?status=cancelled", key);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(obj(list).at("items").as_array().size(), 1U);
  EXPECT_EQ(obj(list).at("items").as_array()[0].at("id").as_string(), scheduled);
}

TEST_F(ActionsApiTest, AnotherCreatorsActionIsNotFound) {
  auto a = create_creator("alpha");
  auto b = create_creator("beta");
  auto key_a = creator_key(a);
  auto key_b = creator_key(b);
  auto co = consumer(key_a, "+919833333333");
  auto id = plan(a, co, "awaiting_review", clock_.now() + 1h);

  expect_error(client_->get("/actions/" + id, key_b), 404, "not_found");
  expect_error(client_->get("/actions/" + id + "/attempts", key_b), 404, "not_found");
  expect_error(client_->post("/actions/" + id + "/approve", "", key_b), 404, "not_found");
  expect_error(client_->post("/actions/" + id + "/reject", R"({"reason":"x"})", key_b), 404,
               "not_found");
  expect_error(client_->post("/actions/" + id + "/cancel", "", key_b), 404, "not_found");
  expect_error(client_->post("/actions/not-a-uuid/cancel", "", key_a), 404, "not_found");
  EXPECT_TRUE(obj(client_->get("/outbox", key_b)).at("items").as_array().empty());
  // Still awaiting review for its owner.
  EXPECT_EQ(obj(client_->get("/actions/" + id, key_a)).at("status").as_string(), "awaiting_review");
  expect_error(client_->get("/outbox?limit=0", key_a), 400, "invalid_argument", "limit");
}

}  // namespace
}  // namespace ca::test
