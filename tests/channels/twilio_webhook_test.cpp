// Twilio webhook helpers: form parsing, the signature (Twilio's documented example),
// opt-out keywords and the delivery-status order.
#include <gtest/gtest.h>

#include "channels/twilio_webhook.hpp"

namespace ca::channels {
namespace {

// The example from Twilio's request-validation docs (twilio-php "Validate Incoming
// Requests"): auth token 12345, this URL and these POST parameters.
const char* const kDocsUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";
FormParams docs_params() {
  return {{"CallSid", "CA1234567890ABCDE"},
          {"Caller", "+14158675309"},
          {"Digits", "1234"},
          {"From", "+14158675309"},
          {"To", "+18005551212"}};
}

TEST(TwilioSignature, MatchesTwilioDocsExample) {
  EXPECT_EQ(twilio_signature("12345", kDocsUrl, docs_params()), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
  // Order of the POST parameters does not matter: Twilio sorts them by name.
  FormParams shuffled = {{"To", "+18005551212"},
                         {"Digits", "1234"},
                         {"From", "+14158675309"},
                         {"CallSid", "CA1234567890ABCDE"},
                         {"Caller", "+14158675309"}};
  EXPECT_EQ(twilio_signature("12345", kDocsUrl, shuffled), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
}

TEST(TwilioSignature, SecondKnownVector) {
  // The same example with other phone numbers, as published in community validators.
  FormParams p = {{"CallSid", "CA1234567890ABCDE"},
                  {"Caller", "+12349013030"},
                  {"Digits", "1234"},
                  {"From", "+12349013030"},
                  {"To", "+18005551212"}};
  EXPECT_EQ(twilio_signature("12345", kDocsUrl, p), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
}

TEST(TwilioSignature, VerifyAcceptsOnlyTheExactSignature) {
  auto p = docs_params();
  EXPECT_TRUE(verify_twilio_signature("12345", kDocsUrl, p, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
  EXPECT_FALSE(verify_twilio_signature("12345", kDocsUrl, p, "RSOYDt4T1cUTdK1PDd93/VVr8B8"));
  EXPECT_FALSE(verify_twilio_signature("12345", kDocsUrl, p, "rSOYDt4T1cUTdK1PDd93/VVr8B8="));
  EXPECT_FALSE(verify_twilio_signature("54321", kDocsUrl, p, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
  EXPECT_FALSE(verify_twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1", p,
                                       "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
  EXPECT_FALSE(verify_twilio_signature("12345", kDocsUrl, p, ""));
  EXPECT_FALSE(verify_twilio_signature("", kDocsUrl, p, twilio_signature("", kDocsUrl, p)));
  p[2].second = "1235";  // a tampered parameter
  EXPECT_FALSE(verify_twilio_signature("12345", kDocsUrl, p, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
}

TEST(TwilioForm, ParsesAndDecodes) {
  auto f = parse_form(
      "MessageSid=SM1&Body=Hello+world%21+%2B1&From=whatsapp%3A%2B919812345678&Empty=&Flag");
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->size(), 5u);
  EXPECT_EQ((*f)[0], (std::pair<std::string, std::string>{"MessageSid", "SM1"}));
  EXPECT_EQ((*f)[1].second, "Hello world! +1");
  EXPECT_EQ((*f)[2].second, "whatsapp:+919812345678");
  EXPECT_EQ((*f)[3], (std::pair<std::string, std::string>{"Empty", ""}));
  EXPECT_EQ((*f)[4], (std::pair<std::string, std::string>{"Flag", ""}));
  auto utf8 = parse_form("Body=%E0%A4%A8%E0%A4%AE%E0%A4%B8%E0%A5%8D%E0%A4%A4%E0%A5%87");
  ASSERT_TRUE(utf8.ok());
  EXPECT_EQ((*utf8)[0].second, "नमस्ते");
  auto empty = parse_form("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(TwilioForm, RejectsBadPercentEncoding) {
  for (const char* bad : {"Body=%", "Body=%4", "Body=%zz", "B%G1=x", "a=1&Body=100%"}) {
    auto f = parse_form(bad);
    ASSERT_FALSE(f.ok()) << bad;
    EXPECT_EQ(f.error().code, ErrorCode::invalid_argument);
  }
}

TEST(TwilioInbound, ClassifiesOptOutAndOptIn) {
  for (const char* stop : {"STOP", "stop", "  Stop \n", "STOPALL", "unsubscribe", "Cancel", "END",
                           "quit", "REVOKE", "optout"}) {
    EXPECT_EQ(classify_inbound(stop), InboundKeyword::stop) << stop;
  }
  EXPECT_EQ(classify_inbound("START"), InboundKeyword::start);
  EXPECT_EQ(classify_inbound(" start\t"), InboundKeyword::start);
  for (const char* other : {"", "stop it", "Please stop", "STOP!", "starting", "hello", "UNSTOP"}) {
    EXPECT_EQ(classify_inbound(other), InboundKeyword::none) << other;
  }
}

TEST(TwilioStatus, MapsProviderStatuses) {
  EXPECT_EQ(action_status_for("sent"), "sent");
  EXPECT_EQ(action_status_for("delivered"), "delivered");
  EXPECT_EQ(action_status_for("read"), "read");
  EXPECT_EQ(action_status_for("failed"), "failed");
  EXPECT_EQ(action_status_for("undelivered"), "failed");
  EXPECT_EQ(action_status_for("canceled"), "failed");  // will never be delivered
  for (const char* none :
       {"queued", "accepted", "sending", "scheduled", "receiving", "received", "", "bogus"}) {
    EXPECT_EQ(action_status_for(none), std::nullopt) << none;
  }
}

TEST(TwilioStatus, OnlyMovesForward) {
  struct Row {
    const char* from;
    const char* to;
    bool forward;
  };
  const Row rows[] = {
      {"sending", "sent", true},     {"sending", "delivered", true},
      {"sending", "read", true},     {"sent", "delivered", true},
      {"sent", "read", true},        {"delivered", "read", true},
      {"sending", "failed", true},   {"sent", "failed", true},
      {"scheduled", "sent", true},   {"sent", "sent", false},
      {"delivered", "sent", false},  {"read", "delivered", false},
      {"read", "sent", false},       {"delivered", "failed", false},
      {"read", "failed", false},     {"failed", "delivered", false},
      {"failed", "sent", false},     {"failed", "failed", false},
      {"skipped", "sent", false},    {"cancelled", "delivered", false},
      {"rejected", "sent", false},   {"awaiting_review", "sent", false},
      {"sending", "sending", false}, {"sent", "queued", false},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(status_moves_forward(r.from, r.to), r.forward) << r.from << " -> " << r.to;
  }
}

}  // namespace
}  // namespace ca::channels
