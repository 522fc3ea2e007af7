// Config::from_env refuses a half or malformed email setup at start, naming the variable,
// instead of failing every send later or sending real email to the sandbox outbox.
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "app/config.hpp"

namespace ca::test {
namespace {

// Sets (or, with nullptr, unsets) one environment variable for the test's lifetime.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

void expect_refused(const char* url, const char* from, const std::string& field) {
  ScopedEnv u("SMTP_URL", url);
  ScopedEnv f("EMAIL_FROM", from);
  auto c = app::Config::from_env();
  ASSERT_FALSE(c.ok()) << (url ? url : "-") << " / " << (from ? from : "-");
  EXPECT_EQ(c.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(c.error().field, field) << c.error().message;
}

TEST(ConfigFromEnv, EmailNeedsBothSmtpUrlAndEmailFromAndBothValid) {
  expect_refused("smtp://mail.example.com:587", nullptr, "EMAIL_FROM");
  expect_refused(nullptr, "Asha <asha@example.com>", "SMTP_URL");
  expect_refused("http://mail.example.com", "asha@example.com", "SMTP_URL");
  expect_refused("smtp://mail.example.com:587", "not an address", "EMAIL_FROM");

  {
    ScopedEnv u("SMTP_URL", "smtps://user:p%40ss@mail.example.com:465");
    ScopedEnv f("EMAIL_FROM", "Asha <asha@example.com>");
    auto c = app::Config::from_env();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->smtp_url, "smtps://user:p%40ss@mail.example.com:465");
  }
  ScopedEnv u("SMTP_URL", nullptr);
  ScopedEnv f("EMAIL_FROM", nullptr);
  auto sandbox = app::Config::from_env();
  ASSERT_TRUE(sandbox.ok()) << sandbox.error().message;
  EXPECT_TRUE(sandbox->smtp_url.empty());
}

TEST(ConfigFromEnv, WhatsAppNeedsAllThreeTwilioSettingsButTheTokenMayStandAlone) {
  auto refused = [](const char* sid, const char* token, const char* from,
                    const std::string& field) {
    ScopedEnv a("TWILIO_ACCOUNT_SID", sid);
    ScopedEnv t("TWILIO_AUTH_TOKEN", token);
    ScopedEnv f("TWILIO_WHATSAPP_FROM", from);
    auto c = app::Config::from_env();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().field, field) << c.error().message;
  };
  refused("ACxxxxxxxx", "token", nullptr, "TWILIO_WHATSAPP_FROM");
  refused("ACxxxxxxxx", nullptr, "+14155238886", "TWILIO_AUTH_TOKEN");
  refused(nullptr, "token", "+14155238886", "TWILIO_ACCOUNT_SID");

  ScopedEnv a("TWILIO_ACCOUNT_SID", nullptr);
  ScopedEnv t("TWILIO_AUTH_TOKEN", "token");  // webhook verification only
  ScopedEnv f("TWILIO_WHATSAPP_FROM", nullptr);
  auto c = app::Config::from_env();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->twilio_auth_token, "token");
}

// Decisions at ingest are on unless turned off; a value that is not a boolean is refused
// with the variable named.
TEST(ConfigFromEnv, AgentInlineDecisionsDefaultOnAndReadAsABoolean) {
  {
    ScopedEnv v("AGENT_INLINE_DECISIONS", nullptr);
    auto c = app::Config::from_env();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_TRUE(c->agent_inline_decisions);
  }
  {
    ScopedEnv v("AGENT_INLINE_DECISIONS", "off");
    auto c = app::Config::from_env();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_FALSE(c->agent_inline_decisions);
  }
  ScopedEnv v("AGENT_INLINE_DECISIONS", "sometimes");
  auto c = app::Config::from_env();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().field, "AGENT_INLINE_DECISIONS") << c.error().message;
}

}  // namespace
}  // namespace ca::test
