#include "domain/validation.hpp"

#include <gtest/gtest.h>

namespace ca {
namespace {

TEST(Validation, Emails) {
  EXPECT_TRUE(is_email("asha@example.com"));
  EXPECT_TRUE(is_email("a.b+tag@sub.example.co.in"));
  EXPECT_FALSE(is_email(""));
  EXPECT_FALSE(is_email("no-at-sign"));
  EXPECT_FALSE(is_email("@example.com"));
  EXPECT_FALSE(is_email("a@b@example.com"));
  EXPECT_FALSE(is_email("a@example"));
  EXPECT_FALSE(is_email("a@.example.com"));
  EXPECT_FALSE(is_email("a@example..com"));
  EXPECT_FALSE(is_email("a b@example.com"));
  EXPECT_FALSE(is_email("a@example.c"));
  EXPECT_FALSE(is_email("<script>@example.com"));
  EXPECT_FALSE(is_email(std::string(65, 'a') + "@example.com"));
}

TEST(Validation, E164) {
  EXPECT_TRUE(is_e164("+919812345678"));
  EXPECT_TRUE(is_e164("+14155550123"));
  EXPECT_FALSE(is_e164("919812345678"));       // no plus
  EXPECT_FALSE(is_e164("+0123456789"));        // leading zero country code
  EXPECT_FALSE(is_e164("+91 98123 45678"));    // spaces
  EXPECT_FALSE(is_e164("+123456"));            // too short: 6 digits
  EXPECT_FALSE(is_e164("+1234567890123456"));  // 16 digits
  EXPECT_FALSE(is_e164("+91981234567a"));
}

TEST(Validation, TimeZones) {
  EXPECT_TRUE(is_timezone("Asia/Kolkata"));
  EXPECT_TRUE(is_timezone("America/New_York"));
  EXPECT_TRUE(is_timezone("UTC"));
  EXPECT_FALSE(is_timezone("Mars/Olympus"));
  EXPECT_FALSE(is_timezone(""));
  EXPECT_FALSE(is_timezone("../../etc/passwd"));
}

TEST(Validation, CleanText) {
  EXPECT_TRUE(is_clean_text("Ajay Shenoy — ₹50,000 cohort\nline two"));
  EXPECT_FALSE(is_clean_text(std::string("nul\0byte", 8)));
  EXPECT_FALSE(is_clean_text("bell\x07"));
  EXPECT_FALSE(is_clean_text("\xc3"));      // truncated sequence
  EXPECT_FALSE(is_clean_text("\xff\xfe"));  // not UTF-8
}

TEST(Validation, HttpUrls) {
  EXPECT_TRUE(is_http_url("https://topmate.io/ajay_shenoy"));
  EXPECT_TRUE(is_http_url("http://localhost:8080/x"));
  EXPECT_FALSE(is_http_url("javascript:alert(1)"));
  EXPECT_FALSE(is_http_url("https://"));
  EXPECT_FALSE(is_http_url("https://exa mple.com"));
  EXPECT_FALSE(is_http_url("ftp://example.com"));
}

}  // namespace
}  // namespace ca
