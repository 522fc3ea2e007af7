// The channels' text codecs: percent/form encoding, Base64, RFC 2047 words, the HTML
// derived from text, and sender mailbox parsing.
#include <gtest/gtest.h>

#include <string>

#include "channels/encoding.hpp"
#include "channels/smtp_message.hpp"
#include "smtp_sink.hpp"

namespace ca::channels::detail {
namespace {

TEST(Encoding, PercentEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("whatsapp:+91 98&x=y/é"), "whatsapp%3A%2B91%2098%26x%3Dy%2F%C3%A9");
  EXPECT_EQ(percent_encode(""), "");
}

TEST(Encoding, PercentDecodeRoundTripsAndRejectsBadEscapes) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_EQ(percent_decode(percent_encode(all), false), all);
  EXPECT_EQ(percent_decode("a+b%2B", true), "a b+");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("%e2%82%AC", false), "€");
  EXPECT_EQ(percent_decode("%", false), std::nullopt);
  EXPECT_EQ(percent_decode("%2", false), std::nullopt);
  EXPECT_EQ(percent_decode("%g0", false), std::nullopt);
}

TEST(Encoding, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foob"), "Zm9vYg==");
  EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
}

TEST(Encoding, Base64LinesAreAtMost76Characters) {
  std::string text(1000, 'x');
  std::string lines = base64_lines(text);
  size_t pos = 0;
  while (pos < lines.size()) {
    auto nl = lines.find("\r\n", pos);
    ASSERT_NE(nl, std::string::npos);
    EXPECT_LE(nl - pos, 76u);
    pos = nl + 2;
  }
  EXPECT_EQ(test::base64_decode(lines), text);
}

TEST(Encoding, HeaderWordsSplitOnCharacterBoundaries) {
  EXPECT_EQ(encode_header_words("Plain ASCII subject"), "Plain ASCII subject");
  std::string text;
  for (int i = 0; i < 20; ++i) text += "नमस्ते ";  // 3-byte characters: splits fall inside some
  std::string encoded = encode_header_words(text);
  std::string joined;
  size_t at = 0;
  int words = 0;
  while ((at = encoded.find("=?UTF-8?B?", at)) != std::string::npos) {
    auto end = encoded.find("?=", at);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end + 2 - at, 75u);  // RFC 2047 limit per encoded word
    std::string part = test::base64_decode(encoded.substr(at + 10, end - at - 10));
    ASSERT_FALSE(part.empty());
    EXPECT_NE(static_cast<unsigned char>(part.front()) & 0xC0, 0x80) << "starts mid-character";
    joined += part;
    at = end + 2;
    ++words;
  }
  EXPECT_GT(words, 1);
  EXPECT_EQ(joined, text);
  EXPECT_NE(encoded.find("\r\n"), std::string::npos);  // folded
  for (size_t nl = encoded.find("\r\n"); nl != std::string::npos;
       nl = encoded.find("\r\n", nl + 1)) {
    EXPECT_EQ(encoded[nl + 2], ' ');  // continuation lines start with whitespace
  }
}

TEST(SmtpMessage, HtmlEscapesEverythingAndKeepsParagraphs) {
  EXPECT_EQ(html_from_text("a & b < c > d \" e ' f"),
            "<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"></head><body>\r\n"
            "<p>a &amp; b &lt; c &gt; d &quot; e &#39; f</p>\r\n</body></html>\r\n");
  std::string html = html_from_text("one\ntwo\r\n\r\nthree");
  EXPECT_NE(html.find("<p>one<br>\r\ntwo</p>\r\n<p>three</p>"), std::string::npos) << html;
  std::string attack = html_from_text("<img src=x onerror=alert(1)><a href=\"javascript:x\">");
  EXPECT_EQ(attack.find("<img"), std::string::npos);
  EXPECT_EQ(attack.find("<a "), std::string::npos);
}

TEST(SmtpMessage, ParsesSenderMailboxes) {
  auto a = parse_mailbox("Priya Coaching <hello@priya.example.com>");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->display_name, "Priya Coaching");
  EXPECT_EQ(a->address, "hello@priya.example.com");
  auto b = parse_mailbox("  hello@priya.example.com ");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->display_name, "");
  EXPECT_EQ(b->address, "hello@priya.example.com");
  auto c = parse_mailbox("\"Priya, Coach\" <hello@priya.example.com>");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->display_name, "Priya, Coach");
  for (const char* bad : {"", "Priya", "Priya <hello@x.com", "<@x.com>", "<a@>", "a b@x.com",
                          "Priya <a@x.com> trailing", "a@x.com\nBcc: y@z.com"}) {
    EXPECT_FALSE(parse_mailbox(bad).ok()) << bad;
  }
}

TEST(SmtpMessage, QuotesOrEncodesDisplayNames) {
  OutboundMessage m;
  m.action_id = "act/1 x";  // unsafe characters do not reach the Message-ID
  m.channel = Channel::email;
  m.to = "asha@example.org";
  m.subject = "Hi";
  m.text = "Body";
  auto mime = build_mime(m, Mailbox{"Priya, Coach", "hello@priya.example.com"},
                         Timestamp{std::chrono::seconds{0}});
  ASSERT_TRUE(mime.ok());
  EXPECT_EQ(mime->message_id, "<act_1_x@priya.example.com>");
  EXPECT_NE(mime->bytes.find("From: \"Priya, Coach\" <hello@priya.example.com>\r\n"),
            std::string::npos);
  auto quoted = build_mime(m, Mailbox{R"(Say "hi" \o/)", "hello@priya.example.com"}, Timestamp{});
  ASSERT_TRUE(quoted.ok());
  EXPECT_NE(quoted->bytes.find(R"(From: "Say \"hi\" \\o/" <hello@priya.example.com>)"),
            std::string::npos);
  EXPECT_NE(mime->bytes.find("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"), std::string::npos);
  m.to = "not an address";
  EXPECT_FALSE(build_mime(m, Mailbox{"", "hello@priya.example.com"}, Timestamp{}).ok());
  m.to = "asha@example.org";
  m.unsubscribe_url = "https://x.example/u>\r\nBcc: y@z";
  EXPECT_FALSE(build_mime(m, Mailbox{"", "hello@priya.example.com"}, Timestamp{}).ok());
}

}  // namespace
}  // namespace ca::channels::detail
