// Email over SMTP with libcurl. What each failure means for the action:
//   connect/resolve failure, timeout before DATA     retryable (nothing was accepted)
//   4xx reply (greylisting, mailbox busy, 451 ...)   retryable
//   5xx reply (550 no such user, 554 rejected ...)   failed; 550/551/553 to RCPT TO also
//                                                    marks the recipient refused (suppressed)
//   bad credentials, TLS required but not offered    failed (configuration)
//   timeout or lost connection after DATA began      unknown (the server may have queued
//                                                    it: resending could deliver twice)
#include "channels/smtp.hpp"

#include <curl/curl.h>

#include <array>
#include <cstring>
#include <mutex>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "channels/encoding.hpp"
#include "channels/smtp_message.hpp"

namespace ca::channels {
namespace {

struct SmtpUrl {
  std::string curl_url;  // scheme://host:port/ without userinfo or query
  std::string user;
  std::string password;
  bool implicit_tls = false;
  bool tls_required = false;
};

Result<SmtpUrl> parse_smtp_url(std::string_view url) {
  auto bad = [](std::string m) { return Error::invalid("SMTP_URL", std::move(m)); };
  SmtpUrl out;
  std::string_view rest;
  if (url.rfind("smtp://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("smtps://", 0) == 0) {
    rest = url.substr(8);
    out.implicit_tls = true;
  } else {
    return bad("SMTP_URL must start with smtp:// or smtps://");
  }
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (auto slash = rest.find('/'); slash != std::string_view::npos) rest = rest.substr(0, slash);
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = userinfo.find(':');
    auto user = detail::percent_decode(userinfo.substr(0, colon), false);
    auto pass = detail::percent_decode(
        colon == std::string_view::npos ? std::string_view{} : userinfo.substr(colon + 1), false);
    if (!user || !pass) return bad("SMTP_URL has bad percent-encoding in its user or password");
    out.user = std::move(*user);
    out.password = std::move(*pass);
  }
  if (rest.empty() || rest.front() == ':') return bad("SMTP_URL has no host");
  for (char c : rest) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return bad("SMTP_URL host contains invalid characters");
  }
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    if (kv == "tls=required") {
      out.tls_required = true;
    } else if (kv != "tls=try" && !kv.empty()) {
      return bad("SMTP_URL query " + std::string(kv) + " is unknown; use tls=required");
    }
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
  }
  out.curl_url = std::string(out.implicit_tls ? "smtps://" : "smtp://") + std::string(rest) + "/";
  return out;
}

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Upload {
  std::string_view data;
  size_t pos = 0;
  bool started = false;  // DATA was accepted and the message began to flow
};

size_t on_read(char* buffer, size_t size, size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  up->started = true;
  size_t len = std::min(size * n, up->data.size() - up->pos);
  std::memcpy(buffer, up->data.data() + up->pos, len);
  up->pos += len;
  return len;
}

class SmtpChannel final : public MessageChannel {
 public:
  explicit SmtpChannel(SmtpConfig config) : config_(std::move(config)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    auto url = parse_smtp_url(config_.url);
    auto from = detail::parse_mailbox(config_.from);
    if (!url) {
      config_error_ = url.error().message;
    } else if (!from) {
      config_error_ = "EMAIL_FROM: " + from.error().message;
    } else {
      url_ = std::move(*url);
      from_ = std::move(*from);
    }
    if (config_.clock == nullptr) config_.clock = &system_clock_;
  }

  std::string_view name() const override { return "email_smtp"; }

  SendResult send(const OutboundMessage& m) override {
    SendResult result;
    if (!config_error_.empty()) {
      result.error = "email_smtp is misconfigured: " + config_error_;
      return result;
    }
    if (m.channel != Channel::email) {
      result.error = "email_smtp only sends email";
      return result;
    }
    auto mime = detail::build_mime(m, from_, config_.clock->now());
    if (!mime) {
      result.error = "cannot build the email: " + mime.error().message;
      return result;
    }
    result = transfer(m, *mime);
    if (result.outcome == SendOutcome::accepted) {
      spdlog::info("smtp send action {}: accepted as {}", m.action_id, result.provider_message_id);
    } else {
      spdlog::warn("smtp send action {}: {}", m.action_id, result.error);
    }
    return result;
  }

 private:
  SendResult transfer(const OutboundMessage& m, const detail::MimeMessage& mime) const {
    SendResult result;
    std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
    if (!easy) {
      result.outcome = SendOutcome::retryable;
      result.error = "curl_easy_init failed";
      return result;
    }
    CURL* c = easy.get();
    std::string mail_from = "<" + from_.address + ">";
    std::string rcpt = "<" + m.to + ">";
    std::unique_ptr<curl_slist, SlistDeleter> rcpts(curl_slist_append(nullptr, rcpt.c_str()));
    Upload up{mime.bytes};
    auto timeout_ms = static_cast<long>(std::max<std::int64_t>(1, config_.timeout.count()));
    // The URL path is the EHLO name: the sender's domain.
    std::string url = url_.curl_url + from_.address.substr(from_.address.rfind('@') + 1);

    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     url_.implicit_tls || url_.tls_required ? static_cast<long>(CURLUSESSL_ALL)
                                                            : static_cast<long>(CURLUSESSL_TRY));
    if (!url_.user.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, url_.user.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, url_.password.c_str());
    }
    if (!config_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, config_.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts.get());
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mime.bytes.size()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    std::array<char, CURL_ERROR_SIZE> err{};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err.data());

    CURLcode rc = curl_easy_perform(c);
    long reply = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
    if (rc == CURLE_OK) {
      result.outcome = SendOutcome::accepted;
      result.provider_message_id = mime.message_id;
      result.provider_status = std::to_string(reply == 0 ? 250 : reply);
      return result;
    }
    std::string detail = err[0] != '\0' ? std::string(err.data()) : curl_easy_strerror(rc);
    result.provider_status = reply != 0 ? std::to_string(reply) : std::string();
    result.error = reply != 0 ? fmt::format("smtp reply {}: {}", reply, detail)
                              : fmt::format("smtp: {}", detail);
    result.outcome = classify(rc, reply, up.started);
    // The mailbox itself refused at RCPT TO (no such user, not local, bad name). libcurl
    // reports a RCPT refusal as "RCPT failed: <code>"; MAIL FROM and DATA refusals are
    // the sender's or the content's, not the address's.
    if (result.outcome == SendOutcome::failed && !up.started &&
        (reply == 550 || reply == 551 || reply == 553) && detail.rfind("RCPT", 0) == 0) {
      result.recipient_refused = fmt::format("smtp reply {}", reply);
    }
    return result;
  }

  static SendOutcome classify(CURLcode rc, long reply, bool data_started) {
    switch (rc) {
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_CONNECT: return SendOutcome::retryable;
      case CURLE_LOGIN_DENIED:
      case CURLE_USE_SSL_FAILED:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL: return SendOutcome::failed;
      default: break;
    }
    if (reply >= 500 && reply < 600) return SendOutcome::failed;
    if (reply >= 400 && reply < 500) return SendOutcome::retryable;
    // No refusal from the server: a timeout or a dropped connection. Before DATA nothing
    // can have been queued; after it, the message may have been.
    return data_started ? SendOutcome::unknown : SendOutcome::retryable;
  }

  SmtpConfig config_;
  SystemClock system_clock_;
  SmtpUrl url_;
  detail::Mailbox from_;
  std::string config_error_;
};

}  // namespace

Result<void> check_smtp_config(const SmtpConfig& config) {
  auto url = parse_smtp_url(config.url);
  if (!url) return url.error();
  auto from = detail::parse_mailbox(config.from);
  if (!from) return Error::invalid("EMAIL_FROM", "EMAIL_FROM: " + from.error().message);
  return ok();
}

std::unique_ptr<MessageChannel> make_smtp_channel(const SmtpConfig& config) {
  return std::make_unique<SmtpChannel>(config);
}

}  // namespace ca::channels
