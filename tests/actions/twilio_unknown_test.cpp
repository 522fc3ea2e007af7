// The real Twilio channel against a local server that answers too late: the send's
// outcome is unknown, so the action stays `sending` and is never resent; the provider's
// signed status callback (our StatusCallback URL names the action) reconciles it.
#include "actions_fixture.hpp"
#include "channels/twilio.hpp"
#include "channels/twilio_webhook.hpp"
#include "support/local_http_server.hpp"

namespace ca::test {
namespace {

TEST_F(ActionsTest, TwilioTimeoutAfterSendIsUnknownNotResentThenReconciledByCallback) {
  LocalHttpServer twilio([](const ReceivedRequest&) {
    CannedReply r;
    r.status = 201;
    r.body = R"({"sid":"SM0123456789abcdef0123456789abcdef","status":"queued"})";
    r.delay = std::chrono::milliseconds(1500);  // past the client's timeout
    return r;
  });
  channels::TwilioConfig tc;
  tc.api_base_url = twilio.base_url();
  tc.account_sid = "AC0123456789abcdef0123456789abcdef";
  tc.auth_token = "test-token";
  tc.from = "+14155238886";
  tc.timeout = std::chrono::milliseconds(300);
  auto channel = channels::make_twilio_channel(tc);
  auto sched = make_scheduler(*store_, channel.get());

  auto cr = creator();
  auto co = consumer(cr, "+919812345690");
  auto id = plan(cr, co, clock_.now(), "Your call is confirmed.");
  drain(sched.get());

  ASSERT_EQ(twilio.requests(), 1);
  auto req = twilio.received().at(0);
  EXPECT_NE(req.body.find("StatusCallback="), std::string::npos);
  EXPECT_NE(req.body.find(id), std::string::npos);  // ?action_id= in the callback URL
  Action a = action(id);
  EXPECT_EQ(a.status, "sending");
  EXPECT_FALSE(a.provider_message_id.has_value());
  auto tries = attempts(id);
  ASSERT_EQ(tries.size(), 1U);
  EXPECT_EQ(tries[0].outcome, "unknown");

  // Later runs (a re-delivered job, the next scheduler pass) do not resend it.
  clock_.advance(10min);
  drain(sched.get());
  ASSERT_OK(sched->send_action(id));
  EXPECT_EQ(twilio.requests(), 1);

  // Twilio's callback: verified the way the webhook verifies it, then applied.
  const std::string url = "https://ca.example.com/webhooks/twilio/status?action_id=" + id;
  channels::FormParams form{{"MessageSid", "SM0123456789abcdef0123456789abcdef"},
                            {"MessageStatus", "delivered"},
                            {"AccountSid", tc.account_sid}};
  const std::string signature = channels::twilio_signature(tc.auth_token, url, form);
  ASSERT_TRUE(channels::verify_twilio_signature(tc.auth_token, url, form, signature));
  actions::StatusCallback cb{id, "SM0123456789abcdef0123456789abcdef", "delivered", std::nullopt};
  auto applied = service_->apply_status(cb);
  ASSERT_OK(applied);
  EXPECT_EQ(*applied, actions::CallbackResult::applied);

  a = action(id);
  EXPECT_EQ(a.status, "delivered");
  EXPECT_EQ(a.provider_message_id.value_or(""), "SM0123456789abcdef0123456789abcdef");
  tries = attempts(id);
  ASSERT_EQ(tries.size(), 1U);
  EXPECT_EQ(tries[0].outcome, "accepted");

  // A late "sent" after "delivered" does not move it back; a replay changes nothing.
  cb.provider_status = "sent";
  ASSERT_OK(service_->apply_status(cb));
  EXPECT_EQ(action(id).status, "delivered");
  cb.provider_status = "read";
  ASSERT_OK(service_->apply_status(cb));
  EXPECT_EQ(action(id).status, "read");
  EXPECT_EQ(twilio.requests(), 1);
}

TEST_F(ActionsTest, TwilioRetryableThenAcceptedAndRefusedFails) {
  std::atomic<int> calls{0};
  LocalHttpServer twilio([&](const ReceivedRequest& r) {
    CannedReply reply;
    if (r.body.find("To=whatsapp%3A%2B919800000002") != std::string::npos) {
      reply.status = 400;
      reply.body = R"({"code":21211,"message":"Invalid 'To' Phone Number","status":400})";
      return reply;
    }
    if (calls++ == 0) {
      reply.status = 503;
      reply.body = R"({"message":"busy"})";
      return reply;
    }
    reply.status = 201;
    reply.body = R"({"sid":"SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","status":"queued"})";
    return reply;
  });
  channels::TwilioConfig tc;
  tc.api_base_url = twilio.base_url();
  tc.account_sid = "AC0123456789abcdef0123456789abcdef";
  tc.auth_token = "test-token";
  tc.from = "+14155238886";
  auto channel = channels::make_twilio_channel(tc);
  auto sched = make_scheduler(*store_, channel.get());

  auto cr = creator();
  auto co = consumer(cr, "+919800000001");
  auto id = plan(cr, co, clock_.now(), "hello");
  drain(sched.get());
  Action a = action(id);
  EXPECT_EQ(a.status, "scheduled");  // 503: back to scheduled, later
  EXPECT_GT(a.send_at, clock_.now());
  clock_.set(a.send_at);
  drain(sched.get());
  a = action(id);
  EXPECT_EQ(a.status, "sent");
  EXPECT_EQ(a.attempts, 2);
  EXPECT_EQ(a.provider_message_id.value_or(""), "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  auto tries = attempts(id);
  ASSERT_EQ(tries.size(), 2U);
  EXPECT_EQ(tries[0].outcome, "retryable");
  EXPECT_EQ(tries[1].outcome, "accepted");

  auto bad = consumer(cr, "+919800000002");
  auto refused = plan(cr, bad, clock_.now(), "hello");
  drain(sched.get());
  EXPECT_EQ(action(refused).status, "failed");
  EXPECT_EQ(attempts(refused).at(0).outcome, "failed");
}

}  // namespace
}  // namespace ca::test
