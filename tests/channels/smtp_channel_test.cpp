// The email channel against a local SMTP server (smtp_sink) over a real socket: the
// envelope, the MIME message as received, and how refusals map to outcomes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "channels/smtp.hpp"
#include "smtp_sink.hpp"

namespace ca::channels {
namespace {

using test::SmtpBehaviour;
using test::SmtpSink;

struct Parsed {
  std::map<std::string, std::string> headers;  // top-level, unfolded; names lowercased
  std::string boundary;
  std::vector<std::pair<std::string, std::string>> parts;  // (content-type, decoded body)
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Just enough MIME to check what the channel sent: headers, then base64 parts.
Parsed parse_message(const std::string& data) {
  Parsed p;
  auto end = data.find("\r\n\r\n");
  EXPECT_NE(end, std::string::npos);
  std::string head = data.substr(0, end + 2);
  std::string last;
  size_t pos = 0;
  while (pos < head.size()) {
    auto nl = head.find("\r\n", pos);
    std::string line = head.substr(pos, nl - pos);
    pos = nl + 2;
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      p.headers[last] += line.substr(1);  // unfold
      continue;
    }
    auto colon = line.find(':');
    last = lower(line.substr(0, colon));
    EXPECT_EQ(p.headers.count(last), 0u) << "repeated header " << last;
    p.headers[last] = line.substr(colon + 2);
  }
  const std::string& ct = p.headers["content-type"];
  auto b = ct.find("boundary=\"");
  EXPECT_NE(b, std::string::npos) << ct;
  if (b == std::string::npos) return p;
  p.boundary = ct.substr(b + 10, ct.find('"', b + 10) - b - 10);
  std::string body = data.substr(end + 4);
  std::string delim = "--" + p.boundary;
  size_t at = body.find(delim + "\r\n");
  while (at != std::string::npos) {
    size_t start = at + delim.size() + 2;
    size_t next = body.find("\r\n" + delim, start);
    if (next == std::string::npos) break;
    std::string part = body.substr(start, next - start);
    auto split = part.find("\r\n\r\n");
    std::string part_head = part.substr(0, split);
    EXPECT_NE(part_head.find("Content-Transfer-Encoding: base64"), std::string::npos);
    auto ct_at = part_head.find("Content-Type: ");
    std::string type = part_head.substr(ct_at + 14, part_head.find("\r\n", ct_at) - ct_at - 14);
    p.parts.emplace_back(type, test::base64_decode(part.substr(split + 4)));
    at = body.compare(next + 2, delim.size() + 2, delim + "--") == 0 ? std::string::npos : next + 2;
  }
  EXPECT_NE(body.find(delim + "--\r\n"), std::string::npos) << "no closing boundary";
  return p;
}

OutboundMessage email() {
  OutboundMessage m;
  m.action_id = "act_42";
  m.creator_id = "cre_1";
  m.consumer_id = "con_1";
  m.channel = Channel::email;
  m.to = "asha@example.org";
  m.subject = "Your 1:1 call with Priya";
  m.text = "Hi Asha,\n\nYour seat is held. <script>alert('x')</script> & more\n.\nPriya";
  m.unsubscribe_url = "https://agents.example.com/u/tok123";
  return m;
}

SmtpConfig config_for(int port, std::string userinfo = "") {
  SmtpConfig c;
  c.url = "smtp://" + userinfo + "127.0.0.1:" + std::to_string(port);
  c.from = "Priya Coaching <hello@priya.example.com>";
  c.timeout = std::chrono::milliseconds{3000};
  return c;
}

TEST(SmtpChannel, DeliversAMultipartMessageWithEnvelopeAndHeaders) {
  SmtpBehaviour b;
  b.advertise_auth = true;
  SmtpSink sink(b);
  ManualClock clock(parse_rfc3339("2026-11-25T09:05:07Z").value());
  auto cfg = config_for(sink.port(), "mailer%40priya:p%40ss%3Aword@");
  cfg.clock = &clock;
  auto channel = make_smtp_channel(cfg);
  EXPECT_EQ(channel->name(), "email_smtp");

  SendResult r = channel->send(email());
  ASSERT_EQ(r.outcome, SendOutcome::accepted) << r.error;
  EXPECT_EQ(r.provider_message_id, "<act_42@priya.example.com>");

  auto sessions = sink.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  const auto& s = sessions[0];
  EXPECT_TRUE(s.completed);
  EXPECT_EQ(s.ehlo, "priya.example.com");
  EXPECT_EQ(s.auth_user, "mailer@priya");  // percent-decoded from the URL
  EXPECT_EQ(s.auth_password, "p@ss:word");
  EXPECT_EQ(s.mail_from, "<hello@priya.example.com>");
  ASSERT_EQ(s.rcpt_to.size(), 1u);
  EXPECT_EQ(s.rcpt_to[0], "<asha@example.org>");

  Parsed p = parse_message(s.data);
  EXPECT_EQ(p.headers["from"], "\"Priya Coaching\" <hello@priya.example.com>");
  EXPECT_EQ(p.headers["to"], "<asha@example.org>");
  EXPECT_EQ(p.headers["subject"], "Your 1:1 call with Priya");
  EXPECT_EQ(p.headers["date"], "Wed, 25 Nov 2026 09:05:07 +0000");
  EXPECT_EQ(p.headers["message-id"], "<act_42@priya.example.com>");
  EXPECT_EQ(p.headers["mime-version"], "1.0");
  EXPECT_EQ(p.headers["list-unsubscribe"],
            "<https://agents.example.com/u/tok123>, "
            "<mailto:hello@priya.example.com?subject=unsubscribe>");
  EXPECT_EQ(p.headers["list-unsubscribe-post"], "List-Unsubscribe=One-Click");
  EXPECT_NE(p.headers["content-type"].find("multipart/alternative"), std::string::npos);

  ASSERT_EQ(p.parts.size(), 2u);
  EXPECT_EQ(p.parts[0].first, "text/plain; charset=UTF-8");
  EXPECT_EQ(p.parts[0].second,
            "Hi Asha,\r\n\r\nYour seat is held. <script>alert('x')</script> & more\r\n.\r\nPriya");
  EXPECT_EQ(p.parts[1].first, "text/html; charset=UTF-8");
  const std::string& html = p.parts[1].second;
  EXPECT_EQ(html.find("<script>"), std::string::npos) << html;
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<p>Hi Asha,</p>"), std::string::npos) << html;
  EXPECT_NE(html.find("Priya</p>"), std::string::npos) << html;
}

TEST(SmtpChannel, EncodesNonAsciiSubjectAndName) {
  SmtpSink sink;
  auto cfg = config_for(sink.port());
  cfg.from = "Prïya Kōchhar <hello@priya.example.com>";
  auto channel = make_smtp_channel(cfg);
  OutboundMessage m = email();
  m.subject = "नमस्ते Asha — your call\r\nBcc: evil@example.com";
  m.unsubscribe_url.clear();
  SendResult r = channel->send(m);
  ASSERT_EQ(r.outcome, SendOutcome::accepted) << r.error;
  auto sessions = sink.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  Parsed p = parse_message(sessions[0].data);
  EXPECT_EQ(p.headers.count("bcc"), 0u);  // no header injection through the subject
  const std::string& subject = p.headers["subject"];
  EXPECT_EQ(subject.rfind("=?UTF-8?B?", 0), 0u) << subject;
  std::string decoded;
  size_t at = 0;
  while ((at = subject.find("=?UTF-8?B?", at)) != std::string::npos) {
    auto end = subject.find("?=", at + 10);
    decoded += test::base64_decode(subject.substr(at + 10, end - at - 10));
    at = end + 2;
  }
  EXPECT_EQ(decoded, "नमस्ते Asha — your call  Bcc: evil@example.com");
  EXPECT_NE(p.headers["from"].find("=?UTF-8?B?"), std::string::npos);
  EXPECT_NE(p.headers["from"].find("<hello@priya.example.com>"), std::string::npos);
  // Without an https URL: mailto only, and no one-click header.
  EXPECT_EQ(p.headers["list-unsubscribe"], "<mailto:hello@priya.example.com?subject=unsubscribe>");
  EXPECT_EQ(p.headers.count("list-unsubscribe-post"), 0u);
}

TEST(SmtpChannel, RecipientRefusedPermanentlyFails) {
  SmtpBehaviour b;
  b.rcpt_reply = "550 5.1.1 <asha@example.org>: user unknown";
  SmtpSink sink(b);
  auto channel = make_smtp_channel(config_for(sink.port()));
  SendResult r = channel->send(email());
  EXPECT_EQ(r.outcome, SendOutcome::failed) << r.error;
  EXPECT_NE(r.error.find("550"), std::string::npos) << r.error;
  EXPECT_EQ(r.recipient_refused, "smtp reply 550") << r.error;
  auto sessions = sink.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_TRUE(sessions[0].data.empty());
}

TEST(SmtpChannel, OnlyAMailboxRefusalAtRcptRefusesTheRecipient) {
  {
    SmtpBehaviour b;
    b.rcpt_reply = "553 5.1.3 bad recipient address syntax";
    SmtpSink sink(b);
    SendResult r = make_smtp_channel(config_for(sink.port()))->send(email());
    EXPECT_EQ(r.outcome, SendOutcome::failed) << r.error;
    EXPECT_EQ(r.recipient_refused, "smtp reply 553") << r.error;
  }
  {
    // A policy refusal of the recipient: failed, but not the mailbox's fault.
    SmtpBehaviour b;
    b.rcpt_reply = "554 5.7.1 relay access denied";
    SmtpSink sink(b);
    SendResult r = make_smtp_channel(config_for(sink.port()))->send(email());
    EXPECT_EQ(r.outcome, SendOutcome::failed) << r.error;
    EXPECT_EQ(r.recipient_refused, "") << r.error;
  }
  {
    // Refused after DATA: the content, not the address.
    SmtpBehaviour b;
    b.data_end_reply = "550 5.7.1 message content rejected";
    SmtpSink sink(b);
    SendResult r = make_smtp_channel(config_for(sink.port()))->send(email());
    EXPECT_EQ(r.outcome, SendOutcome::failed) << r.error;
    EXPECT_EQ(r.recipient_refused, "") << r.error;
  }
}

TEST(SmtpChannel, TemporaryRefusalIsRetryable) {
  SmtpBehaviour b;
  b.rcpt_reply = "451 4.7.1 greylisted, try again later";
  SmtpSink sink(b);
  auto channel = make_smtp_channel(config_for(sink.port()));
  SendResult r = channel->send(email());
  EXPECT_EQ(r.outcome, SendOutcome::retryable) << r.error;
  EXPECT_NE(r.error.find("451"), std::string::npos) << r.error;
}

TEST(SmtpChannel, RefusalAfterDataFollowsTheReplyClass) {
  {
    SmtpBehaviour b;
    b.data_end_reply = "554 5.7.1 message rejected as spam";
    SmtpSink sink(b);
    SendResult r = make_smtp_channel(config_for(sink.port()))->send(email());
    EXPECT_EQ(r.outcome, SendOutcome::failed) << r.error;
  }
  {
    SmtpBehaviour b;
    b.data_end_reply = "452 4.3.1 insufficient system storage";
    SmtpSink sink(b);
    SendResult r = make_smtp_channel(config_for(sink.port()))->send(email());
    EXPECT_EQ(r.outcome, SendOutcome::retryable) << r.error;
  }
}

TEST(SmtpChannel, NoAnswerAfterDataIsUnknown) {
  SmtpBehaviour b;
  b.data_end_delay = std::chrono::milliseconds{2500};
  SmtpSink sink(b);
  auto cfg = config_for(sink.port());
  cfg.timeout = std::chrono::milliseconds{800};  // ample for the dialogue up to DATA
  SendResult r = make_smtp_channel(cfg)->send(email());
  EXPECT_EQ(r.outcome, SendOutcome::unknown) << r.error;
  auto sessions = sink.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_FALSE(sessions[0].data.empty());  // the server has the whole message
}

TEST(SmtpChannel, ConnectionRefusedIsRetryable) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  SendResult r = make_smtp_channel(config_for(ntohs(addr.sin_port)))->send(email());
  EXPECT_EQ(r.outcome, SendOutcome::retryable) << r.error;
}

TEST(SmtpChannel, TlsRequiredButNotOfferedFails) {
  SmtpSink sink;  // advertises no STARTTLS
  auto cfg = config_for(sink.port());
  cfg.url += "?tls=required";
  SendResult r = make_smtp_channel(cfg)->send(email());
  EXPECT_EQ(r.outcome, SendOutcome::failed) << r.error;
  for (const auto& s : sink.sessions()) EXPECT_TRUE(s.mail_from.empty());  // nothing in clear
}

TEST(SmtpChannel, BadRecipientIsRefusedBeforeConnecting) {
  SmtpSink sink;
  auto channel = make_smtp_channel(config_for(sink.port()));
  OutboundMessage m = email();
  m.to = "asha@example.org>\r\nRCPT TO:<other@example.org";
  SendResult r = channel->send(m);
  EXPECT_EQ(r.outcome, SendOutcome::failed);
  EXPECT_TRUE(sink.sessions().empty());
}

TEST(SmtpConfigCheck, NamesTheVariable) {
  SmtpConfig c;
  c.from = "hello@priya.example.com";
  for (const char* good : {"smtp://mail.example.com:587", "smtps://u:p@mail.example.com:465",
                           "smtp://mail.example.com?tls=required", "smtp://[::1]:2525"}) {
    c.url = good;
    EXPECT_TRUE(check_smtp_config(c).ok()) << good;
  }
  for (const char* bad :
       {"http://mail.example.com", "smtp://", "smtp://u:p@:25", "smtp://u:%zz@mail.example.com",
        "smtp://mail.example.com?tls=maybe", "mail.example.com:25"}) {
    c.url = bad;
    auto r = check_smtp_config(c);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().field, "SMTP_URL") << bad;
  }
  c.url = "smtp://mail.example.com";
  for (const char* bad : {"", "Priya", "Priya <nobody>", "a@b\r\nBcc: x@y"}) {
    c.from = bad;
    auto r = check_smtp_config(c);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().field, "EMAIL_FROM") << bad;
  }
  // A misconfigured channel fails its sends instead of crashing.
  c.from = "nobody";
  SendResult r = make_smtp_channel(c)->send(email());
  EXPECT_EQ(r.outcome, SendOutcome::failed);
  EXPECT_NE(r.error.find("misconfigured"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace ca::channels
