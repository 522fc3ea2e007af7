// The send scheduler on a ManualClock with the sandbox channel: policy is applied at send
// time, from the facts as they are then.
#include "actions_fixture.hpp"

namespace ca::test {
namespace {

TEST_F(ActionsTest, SendsDueActionsExactlyAsPlannedAndNothingEarly) {
  auto cr = creator();
  auto co = consumer(cr, "+919812345678");
  auto id = plan(cr, co, clock_.now() + 30min, "Hi Asha, the cohort starts Monday.");

  EXPECT_EQ(drain(), 0);  // not due yet
  EXPECT_EQ(action(id).status, "scheduled");
  EXPECT_TRUE(outbox().empty());

  clock_.advance(30min);
  EXPECT_EQ(drain(), 1);
  Action a = action(id);
  EXPECT_EQ(a.status, "sent");
  EXPECT_EQ(a.attempts, 1);
  auto box = outbox();
  ASSERT_EQ(box.size(), 1U);
  EXPECT_EQ(box[0].action_id, id);
  EXPECT_EQ(box[0].recipient, "+919812345678");
  EXPECT_EQ(box[0].body, "Hi Asha, the cohort starts Monday.");
  EXPECT_EQ(box[0].channel, Channel::whatsapp);
  ASSERT_TRUE(a.provider_message_id.has_value());
  EXPECT_EQ(*a.provider_message_id, box[0].id);
  auto tries = attempts(id);
  ASSERT_EQ(tries.size(), 1U);
  EXPECT_EQ(tries[0].outcome, "accepted");
  EXPECT_EQ(tries[0].channel, "sandbox");

  // A second run of the same job (a worker died before completing it) sends nothing.
  ASSERT_OK(scheduler_->send_action(id));
  EXPECT_EQ(outbox().size(), 1U);
  EXPECT_EQ(attempts(id).size(), 1U);
}

TEST_F(ActionsTest, EmailGoesToTheConsumersAddressNotToAnythingInTheText) {
  auto cr = creator();
  auto co = consumer(cr, "+919800000001");
  auto id = plan(cr, co, clock_.now(), "Write to evil@example.org or +15550001111", Channel::email);
  drain();
  EXPECT_EQ(action(id).status, "sent");
  auto box = outbox();
  ASSERT_EQ(box.size(), 1U);
  EXPECT_EQ(box[0].recipient, co + "@example.net");
  EXPECT_EQ(box[0].channel, Channel::email);
}

TEST_F(ActionsTest, QuietHoursInTheConsumersZoneHoldThenSend) {
  // 17:00 UTC is 22:30 in Kolkata: quiet until 09:00 IST = 03:30 UTC.
  clock_.set(at("2026-11-24T17:00:00Z"));
  auto cr = creator();
  auto co = consumer(cr, "+919812345679", "Asia/Kolkata");
  auto id = plan(cr, co, clock_.now());

  EXPECT_EQ(drain(), 1);
  Action held = action(id);
  EXPECT_EQ(held.status, "scheduled");
  EXPECT_EQ(held.send_at, at("2026-11-25T03:30:00Z"));
  EXPECT_TRUE(outbox().empty());

  clock_.set(at("2026-11-25T03:29:00Z"));
  EXPECT_EQ(drain(), 0);
  clock_.set(at("2026-11-25T03:30:00Z"));
  inbound_whatsapp(cr, co, clock_.now() - 1h);  // keep the 24 h window open
  EXPECT_EQ(drain(), 1);
  EXPECT_EQ(action(id).status, "sent");
  EXPECT_EQ(outbox().size(), 1U);
}

TEST_F(ActionsTest, ConsentRevokedAfterPlanningSkipsAtSendTime) {
  auto cr = creator();
  auto co = consumer(cr, "+919812345680");
  auto id = plan(cr, co, clock_.now() + 10min);
  write([&](store::Tx& tx) {
    ASSERT_OK(tx.consumers().set_consent(Tenant::admin(), co, Channel::whatsapp,
                                         Consent{false, "api", clock_.now()}));
  });
  clock_.advance(10min);
  drain();
  Action a = action(id);
  EXPECT_EQ(a.status, "skipped");
  EXPECT_EQ(a.skip_reason.value_or(""), "no_consent");
  EXPECT_EQ(a.attempts, 0);
  EXPECT_TRUE(outbox().empty());
}

TEST_F(ActionsTest, FrequencyCapCountsSentAndEarlierScheduled) {
  auto cr = creator(R"({"policy":{"caps":{"whatsapp":{"per_day":2,"min_gap_minutes":0}}}})");
  auto co = consumer(cr, "+919812345681");
  auto a1 = plan(cr, co, clock_.now(), "one");
  auto a2 = plan(cr, co, clock_.now(), "two");
  auto a3 = plan(cr, co, clock_.now(), "three");
  drain();
  EXPECT_EQ(action(a1).status, "sent");
  EXPECT_EQ(action(a2).status, "sent");
  Action third = action(a3);
  EXPECT_EQ(third.status, "skipped");
  EXPECT_EQ(third.skip_reason.value_or(""), "frequency_cap");
  EXPECT_EQ(outbox().size(), 2U);

  // Another consumer is not affected by this one's history.
  auto other = consumer(cr, "+919812345682");
  auto b1 = plan(cr, other, clock_.now(), "hello");
  drain();
  EXPECT_EQ(action(b1).status, "sent");
}

TEST_F(ActionsTest, MinimumGapHoldsTheSecondMessage) {
  auto cr = creator(R"({"policy":{"caps":{"whatsapp":{"per_day":5,"min_gap_minutes":60}}}})");
  auto co = consumer(cr, "+919812345683");
  auto a1 = plan(cr, co, clock_.now(), "one");
  drain();
  ASSERT_EQ(action(a1).status, "sent");
  clock_.advance(10min);
  auto a2 = plan(cr, co, clock_.now(), "two");
  drain();
  Action held = action(a2);
  EXPECT_EQ(held.status, "scheduled");
  EXPECT_EQ(held.send_at, at("2026-11-24T11:00:00Z"));
  clock_.set(at("2026-11-24T11:00:00Z"));
  drain();
  EXPECT_EQ(action(a2).status, "sent");
}

TEST_F(ActionsTest, ConvertedAfterPlanningSkips) {
  auto cr = creator();
  auto co = consumer(cr, "+919812345684");
  auto id = plan(cr, co, clock_.now() + 1h);
  clock_.advance(5min);
  event(cr, co, "payment_success", clock_.now());
  clock_.advance(1h);
  drain();
  Action a = action(id);
  EXPECT_EQ(a.status, "skipped");
  EXPECT_EQ(a.skip_reason.value_or(""), "converted");
  EXPECT_TRUE(outbox().empty());
}

TEST_F(ActionsTest, WhatsAppWindowClosedWithoutTemplateSkipsWithTemplateSends) {
  auto cr = creator();
  auto co = consumer(cr, "+919812345685", "UTC", /*window_open=*/false);
  auto free_form = plan(cr, co, clock_.now(), "free text");
  auto templated = plan(cr, co, clock_.now(), "Hi {{1}}", Channel::whatsapp, "scheduled",
                        R"({"content_sid":"HX0123456789abcdef","variables":{"1":"Asha"}})");
  drain();
  Action a = action(free_form);
  EXPECT_EQ(a.status, "skipped");
  EXPECT_EQ(a.skip_reason.value_or(""), "window_closed_no_template");
  EXPECT_EQ(action(templated).status, "sent");
  auto box = outbox();
  ASSERT_EQ(box.size(), 1U);
  EXPECT_EQ(box[0].content_sid.value_or(""), "HX0123456789abcdef");
}

TEST_F(ActionsTest, MissingContactAndErasedConsumerSkip) {
  auto cr = creator();
  Consumer c;
  c.id = ids_.next();
  c.creator_id = cr;
  c.email = "only-email@example.net";
  c.consent[Channel::whatsapp] = Consent{true, "test", clock_.now()};
  c.created_at = c.updated_at = clock_.now();
  write([&](store::Tx& tx) { ASSERT_OK(tx.consumers().insert(c)); });
  auto id = plan(cr, c.id, clock_.now());
  drain();
  EXPECT_EQ(action(id).skip_reason.value_or(""), "missing_contact");
}

TEST_F(ActionsTest, CancelledBeforeDueIsNeverSent) {
  auto cr = creator();
  auto co = consumer(cr, "+919812345686");
  auto id = plan(cr, co, clock_.now() + 5min);
  ASSERT_OK(service_->cancel(Tenant::creator(cr), id));
  clock_.advance(5min);
  drain();
  EXPECT_EQ(action(id).status, "cancelled");
  EXPECT_TRUE(outbox().empty());
}

TEST_F(ActionsTest, ApprovedReviewActionIsScheduledWithItsEditedText) {
  auto cr = creator();
  auto co = consumer(cr, "+919812345687");
  auto id = plan(cr, co, clock_.now() - 1h, "draft", Channel::whatsapp, "awaiting_review");
  EXPECT_EQ(drain(), 0);  // nothing to send before review
  auto approved = service_->approve(Tenant::creator(cr), id, std::string("final text"));
  ASSERT_OK(approved);
  EXPECT_EQ(approved->status, "scheduled");
  EXPECT_EQ(approved->send_at, clock_.now());  // overdue plans go out now, not in the past
  EXPECT_EQ(drain(), 1);
  auto box = outbox();
  ASSERT_EQ(box.size(), 1U);
  EXPECT_EQ(box[0].body, "final text");
  // Approving again is an invalid transition.
  auto again = service_->approve(Tenant::creator(cr), id, std::nullopt);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::conflict);
}

}  // namespace
}  // namespace ca::test
