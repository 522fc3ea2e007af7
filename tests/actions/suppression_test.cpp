// Delivery suppression through the real Twilio channel against a local server: a number
// Twilio rules out (at send time, or later in a status callback) is not messaged again;
// the consumer's new number is.
#include <atomic>
#include <cstdio>
#include <memory>

#include "actions/suppression.hpp"
#include "actions_fixture.hpp"
#include "channels/twilio.hpp"
#include "store/store.hpp"
#include "support/local_http_server.hpp"

namespace ca::test {
namespace {

constexpr const char* kBadNumber = "+919800000001";
constexpr const char* kGoodNumber = "+919800000002";

class SuppressionTest : public ActionsTest {
 protected:
  void TearDown() override {
    sched_.reset();  // it refers to the store, which the base tears down
    channel_.reset();
    twilio_.reset();
    ActionsTest::TearDown();
  }

  // Twilio refuses kBadNumber with `code` and accepts every other number.
  void start_twilio(int code) {
    auto sent = std::make_shared<std::atomic<int>>(0);
    twilio_ = std::make_unique<LocalHttpServer>([code, sent](const ReceivedRequest& req) {
      CannedReply r;
      if (req.body.find("919800000001") != std::string::npos) {
        r.status = 400;
        r.body =
            R"({"code":)" + std::to_string(code) +
            R"(,"message":"The 'To' number +919800000001 is not a valid phone number.","status":400})";
      } else {
        r.status = 201;
        char sid[40];
        std::snprintf(sid, sizeof sid, "SM%032d", ++*sent);
        r.body = std::string(R"({"sid":")") + sid + R"(","status":"queued"})";
      }
      return r;
    });
    channels::TwilioConfig tc;
    tc.api_base_url = twilio_->base_url();
    tc.account_sid = "AC0123456789abcdef0123456789abcdef";
    tc.auth_token = "test-token";
    tc.from = "+14155238886";
    channel_ = channels::make_twilio_channel(tc);
    sched_ = make_scheduler(*store_, channel_.get());
  }

  void change_number(const std::string& creator_id, const std::string& consumer_id,
                     const std::string& number) {
    write([&](store::Tx& tx) {
      auto c = tx.consumers().get(Tenant::creator(creator_id), consumer_id);
      ASSERT_OK(c);
      c->whatsapp = number;
      ASSERT_OK(tx.consumers().update(Tenant::creator(creator_id), *c));
    });
  }

  std::optional<store::Suppression> suppression(const std::string& consumer_id) {
    auto s = store::in_tx(*store_, store::TxMode::read, [&](store::Tx& tx) {
      return tx.delivery().suppression(consumer_id, Channel::whatsapp);
    });
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? *s : std::nullopt;
  }

  std::unique_ptr<LocalHttpServer> twilio_;
  std::unique_ptr<channels::MessageChannel> channel_;
  std::unique_ptr<actions::SendScheduler> sched_;
};

TEST_F(SuppressionTest, ANumberTwilioRefusesIsNotMessagedAgainButANewNumberIs) {
  start_twilio(21211);
  auto cr = creator();
  auto co = consumer(cr, kBadNumber);
  auto first = plan(cr, co, clock_.now(), "Your call is confirmed.");
  drain(sched_.get());
  EXPECT_EQ(action(first).status, "failed");
  auto s = suppression(co);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->reason, "twilio error 21211");
  EXPECT_EQ(s->address_hash, actions::address_hash(Channel::whatsapp, kBadNumber));
  EXPECT_EQ(s->address_hash.find("9198"), std::string::npos);  // no copy of the number
  EXPECT_EQ(twilio_->requests(), 1);

  // The next message to that number is skipped at send time, and Twilio never sees it.
  clock_.advance(1h);
  auto second = plan(cr, co, clock_.now(), "A reminder.");
  drain(sched_.get());
  Action skipped = action(second);
  EXPECT_EQ(skipped.status, "skipped");
  EXPECT_EQ(skipped.skip_reason.value_or(""), "suppressed");
  auto state = store::in_tx(*store_, store::TxMode::read,
                            [&](store::Tx& tx) { return tx.delivery().send_state(second); });
  ASSERT_OK(state);
  EXPECT_NE(state->last_error.value_or("").find("twilio error 21211"), std::string::npos)
      << state->last_error.value_or("");
  EXPECT_EQ(twilio_->requests(), 1);

  // The consumer's new number is tried (and sent); the suppression stays with the old one.
  change_number(cr, co, kGoodNumber);
  clock_.advance(1h);
  auto third = plan(cr, co, clock_.now(), "Welcome back.");
  drain(sched_.get());
  EXPECT_EQ(action(third).status, "sent");
  EXPECT_EQ(twilio_->requests(), 2);
}

TEST_F(SuppressionTest, ARefusalThatMayPassSuppressesNothing) {
  start_twilio(63016);  // outside the 24-hour window: about the message, not the number
  auto cr = creator();
  auto co = consumer(cr, kBadNumber);
  auto first = plan(cr, co, clock_.now());
  drain(sched_.get());
  EXPECT_EQ(action(first).status, "failed");
  EXPECT_FALSE(suppression(co).has_value());
}

TEST_F(SuppressionTest, AStatusCallbackThatRulesOutTheNumberSuppressesIt) {
  start_twilio(21211);
  auto cr = creator();
  auto co = consumer(cr, kGoodNumber);
  auto first = plan(cr, co, clock_.now());
  drain(sched_.get());
  ASSERT_EQ(action(first).status, "sent");

  // Unreachable for now: failed, but the number may work tomorrow.
  actions::StatusCallback unreachable{first, action(first).provider_message_id.value_or(""),
                                      "undelivered", std::string("30003")};
  ASSERT_OK(service_->apply_status(unreachable));
  EXPECT_EQ(action(first).status, "failed");
  EXPECT_FALSE(suppression(co).has_value());

  clock_.advance(1h);
  auto second = plan(cr, co, clock_.now());
  drain(sched_.get());
  ASSERT_EQ(action(second).status, "sent");
  actions::StatusCallback not_whatsapp{second, action(second).provider_message_id.value_or(""),
                                       "failed", std::string("63024")};
  ASSERT_OK(service_->apply_status(not_whatsapp));
  EXPECT_EQ(action(second).status, "failed");
  auto s = suppression(co);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->reason, "twilio error 63024");

  clock_.advance(1h);
  auto third = plan(cr, co, clock_.now());
  drain(sched_.get());
  EXPECT_EQ(action(third).skip_reason.value_or(""), "suppressed");
  EXPECT_EQ(twilio_->requests(), 2);
}

TEST_F(SuppressionTest, ErasingTheConsumerErasesItsSuppressions) {
  start_twilio(21211);
  auto cr = creator();
  auto co = consumer(cr, kBadNumber);
  plan(cr, co, clock_.now());
  drain(sched_.get());
  ASSERT_TRUE(suppression(co).has_value());
  write([&](store::Tx& tx) { ASSERT_OK(tx.consumers().remove(Tenant::creator(cr), co)); });
  EXPECT_FALSE(suppression(co).has_value());
}

}  // namespace
}  // namespace ca::test
