// The WhatsApp channel against a local Twilio-compatible server over a real socket: the
// request (path, Basic auth, every form field) and how each answer maps to an outcome.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "channels/twilio.hpp"
#include "channels/twilio_webhook.hpp"
#include "support/local_http_server.hpp"

namespace ca::channels {
namespace {

using test::CannedReply;
using test::LocalHttpServer;
using test::ReceivedRequest;

constexpr const char* kSid = "AC0123456789abcdef";
constexpr const char* kToken = "s3cr3t-token";
constexpr const char* kSecretText = "Hi Asha & co: 50% off? a+b=c\nline two";

TwilioConfig config_for(const LocalHttpServer& server) {
  TwilioConfig c;
  c.api_base_url = server.base_url() + "/";  // a trailing slash must not double up
  c.account_sid = kSid;
  c.auth_token = kToken;
  c.from = "+14155238886";
  c.timeout = std::chrono::milliseconds{2000};
  return c;
}

OutboundMessage free_form() {
  OutboundMessage m;
  m.action_id = "act_1";
  m.creator_id = "cre_1";
  m.consumer_id = "con_1";
  m.channel = Channel::whatsapp;
  m.to = "+919812345678";
  m.text = kSecretText;
  m.status_callback_url = "https://agents.example.com/webhooks/twilio/status?a=1&b=2";
  return m;
}

std::map<std::string, std::string> form_of(const ReceivedRequest& r) {
  auto parsed = parse_form(r.body);
  EXPECT_TRUE(parsed.ok());
  std::map<std::string, std::string> out;
  if (!parsed) return out;
  for (auto& [k, v] : *parsed) {
    EXPECT_FALSE(out.count(k)) << "repeated field " << k;
    out[k] = v;
  }
  return out;
}

CannedReply reply(int status, std::string body) {
  CannedReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

CannedReply created() {
  return reply(201, R"({"sid":"SM0123456789abcdef0123456789abcdef","status":"queued","body":"x"})");
}

TEST(TwilioChannel, FreeFormPostsEveryFieldWithBasicAuth) {
  LocalHttpServer server([](const ReceivedRequest&) { return created(); });
  auto channel = make_twilio_channel(config_for(server));
  EXPECT_EQ(channel->name(), "whatsapp_twilio");

  SendResult r = channel->send(free_form());
  EXPECT_EQ(r.outcome, SendOutcome::accepted) << r.error;
  EXPECT_EQ(r.provider_message_id, "SM0123456789abcdef0123456789abcdef");
  EXPECT_EQ(r.provider_status, "queued");

  auto received = server.received();
  ASSERT_EQ(received.size(), 1u);
  const auto& req = received[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/2010-04-01/Accounts/AC0123456789abcdef/Messages.json");
  EXPECT_EQ(req.headers.at("authorization"), "Basic QUMwMTIzNDU2Nzg5YWJjZGVmOnMzY3IzdC10b2tlbg==");
  EXPECT_EQ(req.headers.at("content-type"), "application/x-www-form-urlencoded");
  // Percent-encoded: a literal '+' would be read back as a space.
  EXPECT_NE(req.body.find("To=whatsapp%3A%2B919812345678"), std::string::npos) << req.body;
  EXPECT_EQ(req.body.find('+'), std::string::npos) << req.body;

  auto form = form_of(req);
  EXPECT_EQ(form.size(), 4u);
  EXPECT_EQ(form["To"], "whatsapp:+919812345678");
  EXPECT_EQ(form["From"], "whatsapp:+14155238886");
  EXPECT_EQ(form["Body"], kSecretText);
  EXPECT_EQ(form["StatusCallback"], "https://agents.example.com/webhooks/twilio/status?a=1&b=2");
  EXPECT_EQ(form.count("ContentSid"), 0u);
}

TEST(TwilioChannel, TemplateSendsContentSidAndVariablesInsteadOfBody) {
  LocalHttpServer server([](const ReceivedRequest&) { return created(); });
  auto cfg = config_for(server);
  cfg.from = "whatsapp:+14155238886";  // already prefixed: not doubled
  auto channel = make_twilio_channel(cfg);
  OutboundMessage m = free_form();
  m.content_sid = "HX0123456789abcdef0123456789abcdef";
  m.content_variables_json = R"({"1":"Asha","2":"Friday 5 pm"})";
  m.status_callback_url.clear();

  SendResult r = channel->send(m);
  EXPECT_EQ(r.outcome, SendOutcome::accepted) << r.error;
  auto received = server.received();
  ASSERT_EQ(received.size(), 1u);
  auto form = form_of(received[0]);
  EXPECT_EQ(form.size(), 4u);
  EXPECT_EQ(form["From"], "whatsapp:+14155238886");
  EXPECT_EQ(form["ContentSid"], "HX0123456789abcdef0123456789abcdef");
  EXPECT_EQ(form["ContentVariables"], R"({"1":"Asha","2":"Friday 5 pm"})");
  EXPECT_EQ(form.count("Body"), 0u);
  EXPECT_EQ(form.count("StatusCallback"), 0u);  // none configured
}

struct ErrorCase {
  const char* name;
  int status;
  const char* body;
  SendOutcome outcome;
  const char* error_has;
  const char* refused = "";  // SendResult::recipient_refused: the number ruled out
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class TwilioErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(TwilioErrors, MapToOutcomes) {
  const auto& c = GetParam();
  LocalHttpServer server([&](const ReceivedRequest&) { return reply(c.status, c.body); });
  auto channel = make_twilio_channel(config_for(server));
  SendResult r = channel->send(free_form());
  EXPECT_EQ(r.outcome, c.outcome) << r.error;
  EXPECT_NE(r.error.find(c.error_has), std::string::npos) << r.error;
  EXPECT_EQ(r.recipient_refused, c.refused);
  EXPECT_TRUE(r.provider_message_id.empty());
  // Secrets and message text never end up in the attempt row.
  EXPECT_EQ(r.error.find(kToken), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find("Asha"), std::string::npos) << r.error;
  EXPECT_EQ(server.requests(), 1);
}

INSTANTIATE_TEST_SUITE_P(
    Rows, TwilioErrors,
    ::testing::Values(
        ErrorCase{
            "invalid_to_21211", 400,
            R"({"code":21211,"message":"The 'To' number +919812345678 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400})",
            SendOutcome::failed, "error 21211", "twilio error 21211"},
        ErrorCase{
            "unsubscribed_21610", 400,
            R"({"code":21610,"message":"Attempt to send to unsubscribed recipient","status":400})",
            SendOutcome::failed, "error 21610", "twilio error 21610"},
        ErrorCase{
            "outside_window_63016", 400,
            R"({"code":63016,"message":"Failed to send freeform message because you are outside the allowed window.","status":400})",
            SendOutcome::failed, "error 63016"},
        ErrorCase{"unauthorized", 401, R"({"code":20003,"message":"Authenticate","status":401})",
                  SendOutcome::failed, "TWILIO_AUTH_TOKEN"},
        ErrorCase{"forbidden", 403, R"({"code":20403,"message":"Forbidden","status":403})",
                  SendOutcome::failed, "error 20403"},
        ErrorCase{"not_found_account", 404, R"({"code":20404,"status":404})", SendOutcome::failed,
                  "HTTP 404"},
        ErrorCase{"server_error", 500, "oops", SendOutcome::retryable, "HTTP 500"},
        ErrorCase{"unavailable", 503, "", SendOutcome::retryable, "HTTP 503"},
        ErrorCase{"created_without_sid", 201, R"({"status":"queued"})", SendOutcome::unknown,
                  "without a message sid"},
        ErrorCase{"created_not_json", 201, "<html>", SendOutcome::unknown,
                  "without a message sid"}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) { return std::string(info.param.name); });

TEST(TwilioChannel, OnlyCodesThatRuleOutTheNumberRefuseTheRecipient) {
  for (const char* code :
       {"21211", "21214", "21610", "21614", "63003", "63024", "30005", "30006"}) {
    EXPECT_EQ(twilio_recipient_refusal(code), std::string("twilio error ") + code);
  }
  // Unreachable handset, carrier filtering, outside the window, queue overflow, unknown.
  for (const char* code : {"30003", "30007", "63016", "30001", "", "2121", "212110"}) {
    EXPECT_EQ(twilio_recipient_refusal(code), "") << code;
  }
}

TEST(TwilioChannel, TooManyRequestsIsRetryableAfterRetryAfter) {
  LocalHttpServer server([](const ReceivedRequest&) {
    CannedReply r = reply(429, R"({"code":20429,"message":"Too Many Requests","status":429})");
    r.headers.emplace_back("Retry-After", "30");
    return r;
  });
  auto channel = make_twilio_channel(config_for(server));
  SendResult r = channel->send(free_form());
  EXPECT_EQ(r.outcome, SendOutcome::retryable) << r.error;
  ASSERT_TRUE(r.retry_after.has_value());
  EXPECT_EQ(*r.retry_after, std::chrono::seconds{30});
}

TEST(TwilioChannel, NoAnswerAfterTheRequestWentOutIsUnknown) {
  LocalHttpServer server([](const ReceivedRequest&) {
    CannedReply r = created();
    r.delay = std::chrono::milliseconds{2000};
    return r;
  });
  auto cfg = config_for(server);
  cfg.timeout = std::chrono::milliseconds{500};
  auto channel = make_twilio_channel(cfg);
  SendResult r = channel->send(free_form());
  EXPECT_EQ(r.outcome, SendOutcome::unknown) << r.error;
  EXPECT_EQ(server.requests(), 1);  // it did arrive: resending could deliver twice
}

TEST(TwilioChannel, ConnectionRefusedIsRetryable) {
  // A port that was just free and is closed again: connect() is refused.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);

  TwilioConfig cfg;
  cfg.api_base_url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  cfg.account_sid = kSid;
  cfg.auth_token = kToken;
  cfg.from = "+14155238886";
  auto channel = make_twilio_channel(cfg);
  SendResult r = channel->send(free_form());
  EXPECT_EQ(r.outcome, SendOutcome::retryable) << r.error;
  EXPECT_NE(r.error.find("not sent"), std::string::npos) << r.error;
}

TEST(TwilioChannel, RefusesNonWhatsAppMessagesWithoutSending) {
  LocalHttpServer server([](const ReceivedRequest&) { return created(); });
  auto channel = make_twilio_channel(config_for(server));
  OutboundMessage m = free_form();
  m.channel = Channel::email;
  SendResult r = channel->send(m);
  EXPECT_EQ(r.outcome, SendOutcome::failed);
  EXPECT_EQ(server.requests(), 0);
}

}  // namespace
}  // namespace ca::channels
