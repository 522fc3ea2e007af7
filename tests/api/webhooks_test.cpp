// Twilio webhooks over HTTP: signatures, STOP/START, inbound text as an event, status
// callbacks that only move forward.
#include <boost/json/serialize.hpp>

#include "actions_api_fixture.hpp"

namespace ca::test {
namespace {

using namespace std::chrono_literals;

TEST_F(ActionsApiTest, WebhooksWithoutAValidSignatureAre403) {
  const channels::FormParams form{{"From", "whatsapp:+919844444444"}, {"Body", "STOP"}};
  auto unsigned_req = client_->request("POST", "/webhooks/twilio/inbound", "From=x&Body=STOP",
                                       {{"Content-Type", "application/x-www-form-urlencoded"}});
  expect_error(unsigned_req, 403, "forbidden");
  expect_error(twilio_post("/webhooks/twilio/inbound", form, "wrong-token"), 403, "forbidden");
  expect_error(twilio_post("/webhooks/twilio/status?action_id=x",
                           {{"MessageSid", "SM1"}, {"MessageStatus", "delivered"}}, "wrong-token"),
               403, "forbidden");
  // Signed for one URL, sent to another (the query is part of what is signed).
  auto sig = channels::twilio_signature(kTwilioToken,
                                        std::string(kPublicBase) + "/webhooks/twilio/status", {});
  auto moved = client_->request(
      "POST", "/webhooks/twilio/status?action_id=abc", "",
      {{"Content-Type", "application/x-www-form-urlencoded"}, {"X-Twilio-Signature", sig}});
  expect_error(moved, 403, "forbidden");
  auto ok = twilio_post("/webhooks/twilio/inbound", form);
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_NE(ok.body.find("<Response/>"), std::string::npos);
  EXPECT_NE(ok.header("content-type").find("text/xml"), std::string::npos);
}

TEST_F(ActionsApiTest, StopRevokesConsentForEveryCreatorAndCancelsScheduledWhatsApp) {
  auto a = create_creator("alpha");
  auto b = create_creator("beta");
  auto key_a = creator_key(a);
  auto key_b = creator_key(b);
  auto ca = consumer(key_a, "+919855555555");
  auto cb = consumer(key_b, "+919855555555");
  auto wa = plan(a, ca, "scheduled", clock_.now() + 24h);
  auto review = plan(b, cb, "awaiting_review", clock_.now() + 24h);
  auto email = plan(a, ca, "scheduled", clock_.now() + 24h, Channel::email);

  auto r = twilio_post(
      "/webhooks/twilio/inbound",
      {{"From", "whatsapp:+919855555555"}, {"Body", "  stop "}, {"MessageSid", "SMstop1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  for (const auto& [id, key] : {std::pair{ca, key_a}, std::pair{cb, key_b}}) {
    auto c = obj(client_->get("/consumers/" + id, key));
    EXPECT_FALSE(c.at("consent").at("whatsapp").at("granted").as_bool()) << id;
    EXPECT_TRUE(c.at("consent").at("email").at("granted").as_bool()) << id;
  }
  EXPECT_EQ(obj(client_->get("/actions/" + wa, key_a)).at("status").as_string(), "cancelled");
  EXPECT_EQ(obj(client_->get("/actions/" + review, key_b)).at("status").as_string(), "cancelled");
  EXPECT_EQ(obj(client_->get("/actions/" + email, key_a)).at("status").as_string(), "scheduled");

  auto start = twilio_post("/webhooks/twilio/inbound",
                           {{"From", "whatsapp:+919855555555"}, {"Body", "START"}});
  ASSERT_EQ(start.status, 200) << start.body;
  auto c = obj(client_->get("/consumers/" + ca, key_a));
  EXPECT_TRUE(c.at("consent").at("whatsapp").at("granted").as_bool());
}

TEST_F(ActionsApiTest, OtherInboundTextBecomesAnEventThatOpensTheWindow) {
  auto creator = create_creator("coach", kNoQuietHours);
  auto key = creator_key(creator);
  auto co = consumer(key, "+919866666666");
  const channels::FormParams form{{"From", "whatsapp:+919866666666"},
                                  {"Body", "Is the Monday slot still free?"},
                                  {"MessageSid", "SMinbound1"}};
  ASSERT_EQ(twilio_post("/webhooks/twilio/inbound", form).status, 200);
  ASSERT_EQ(twilio_post("/webhooks/twilio/inbound", form).status, 200);  // Twilio retry

  auto events = client_->get("/events?consumer_id=" + co, key);
  ASSERT_EQ(events.status, 200) << events.body;
  const auto page = obj(events);
  const auto& items = page.at("items").as_array();
  ASSERT_EQ(items.size(), 1U) << events.body;  // the retry is a replay
  EXPECT_EQ(items[0].at("type").as_string(), "whatsapp_message_received");
  EXPECT_EQ(items[0].at("source").as_string(), "webhook");
  auto ctx = obj(client_->get("/consumers/" + co + "/context", key));
  EXPECT_FALSE(ctx.at("metrics").at("last_inbound_at").at("whatsapp").is_null());

  // With the window open, a free-form WhatsApp message goes out (sandbox).
  auto id = plan(creator, co, "scheduled", clock_.now());
  ASSERT_TRUE(eventually(
      [&] { return obj(client_->get("/actions/" + id, key)).at("status").as_string() == "sent"; }));
  auto box = obj(client_->get("/outbox", key)).at("items").as_array();
  ASSERT_EQ(box.size(), 1U);
  EXPECT_EQ(box[0].at("to").as_string(), "+919866666666");

  // Unknown numbers are fine: nothing to record.
  EXPECT_EQ(twilio_post("/webhooks/twilio/inbound",
                        {{"From", "whatsapp:+10000000000"}, {"Body", "hello?"}})
                .status,
            200);
  expect_error(twilio_post("/webhooks/twilio/inbound", {{"Body", "no sender"}}), 400,
               "invalid_argument", "From");
}

TEST_F(ActionsApiTest, StatusCallbacksMoveForwardOnlyAndAreIdempotent) {
  auto creator = create_creator("coach");
  auto key = creator_key(creator);
  auto co = consumer(key, "+919877777777");
  // A message the scheduler handed to Twilio: sending, answer lost (unknown outcome).
  auto id = plan(creator, co, "sending", clock_.now() - 1min);
  const std::string path = "/webhooks/twilio/status?action_id=" + id;

  auto delivered = twilio_post(path, {{"MessageSid", "SMcb1"}, {"MessageStatus", "delivered"}});
  ASSERT_EQ(delivered.status, 200) << delivered.body;
  auto a = obj(client_->get("/actions/" + id, key));
  EXPECT_EQ(a.at("status").as_string(), "delivered");
  EXPECT_EQ(a.at("provider_message_id").as_string(), "SMcb1");

  ASSERT_EQ(twilio_post(path, {{"MessageSid", "SMcb1"}, {"MessageStatus", "sent"}}).status, 200);
  ASSERT_EQ(twilio_post(path, {{"MessageSid", "SMcb1"}, {"MessageStatus", "delivered"}}).status,
            200);
  EXPECT_EQ(obj(client_->get("/actions/" + id, key)).at("status").as_string(), "delivered");
  ASSERT_EQ(twilio_post(path, {{"MessageSid", "SMcb1"}, {"MessageStatus", "read"}}).status, 200);
  EXPECT_EQ(obj(client_->get("/actions/" + id, key)).at("status").as_string(), "read");
  // Another message's callback naming this action changes nothing.
  ASSERT_EQ(twilio_post(path, {{"MessageSid", "SMother"}, {"MessageStatus", "failed"}}).status,
            200);
  EXPECT_EQ(obj(client_->get("/actions/" + id, key)).at("status").as_string(), "read");
  // By MessageSid alone (no action_id), and for messages we never sent.
  ASSERT_EQ(twilio_post("/webhooks/twilio/status",
                        {{"MessageSid", "SMunknown"}, {"MessageStatus", "delivered"}})
                .status,
            200);
  expect_error(twilio_post(path, {{"MessageSid", "SMcb1"}}), 400, "invalid_argument",
               "MessageStatus");
}

TEST_F(ActionsApiTest, AFailedCallbackThatRulesOutTheNumberShowsInTheExport) {
  auto creator = create_creator("coach");
  auto key = creator_key(creator);
  auto co = consumer(key, "+919866666666");
  auto id = plan(creator, co, "sent", clock_.now() - 1min);
  auto failed = twilio_post(
      "/webhooks/twilio/status?action_id=" + id,
      {{"MessageSid", "SMgone"}, {"MessageStatus", "undelivered"}, {"ErrorCode", "63024"}});
  ASSERT_EQ(failed.status, 200) << failed.body;
  EXPECT_EQ(obj(client_->get("/actions/" + id, key)).at("status").as_string(), "failed");
  auto exported = obj(client_->get("/consumers/" + co + "/export", key));
  const auto& messages = exported.at("actions").as_array();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].at("id").as_string(), id);
  EXPECT_EQ(messages[0].at("status").as_string(), "failed");
  const auto& list = exported.at("suppressions").as_array();
  ASSERT_EQ(list.size(), 1u) << boost::json::serialize(exported);
  EXPECT_EQ(list[0].at("channel").as_string(), "whatsapp");
  EXPECT_EQ(list[0].at("reason").as_string(), "twilio error 63024");
  // No copy of the number in it.
  EXPECT_EQ(boost::json::serialize(list).find("9866666666"), std::string::npos);
}

}  // namespace
}  // namespace ca::test
