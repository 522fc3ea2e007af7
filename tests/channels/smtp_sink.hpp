// A small SMTP server for tests on 127.0.0.1:<ephemeral>: blocking sockets, one thread,
// one session at a time. Speaks EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP,
// QUIT over a real socket and records what the client sent, so the libcurl client in
// channels/smtp.cpp runs unchanged against it.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ca::test {

struct SmtpSession {
  std::string ehlo;                      // the name after EHLO/HELO
  std::string auth_user, auth_password;  // from AUTH PLAIN, decoded
  std::string mail_from;                 // "<a@b>" as sent in MAIL FROM:
  std::vector<std::string> rcpt_to;      // "<a@b>" per accepted RCPT TO:
  std::string data;                      // the message, dot-unstuffed, without the final "."
  bool completed = false;                // the final "." was answered with 2xx
  bool tls_at_auth = false;              // AUTH arrived over TLS
  bool tls_at_mail = false;              // MAIL FROM arrived over TLS
};

struct SmtpBehaviour {
  bool advertise_auth = false;
  std::string rcpt_reply = "250 2.1.5 OK";
  std::string data_end_reply = "250 2.0.0 OK queued as TEST1";
  std::chrono::milliseconds data_end_delay{0};  // before answering the final "."
  // TLS with this certificate and key (PEM files): offered as STARTTLS, or from the
  // first byte (SMTPS) with implicit_tls.
  std::string tls_cert_file;
  std::string tls_key_file;
  bool implicit_tls = false;
};

class SmtpSink {
 public:
  explicit SmtpSink(SmtpBehaviour behaviour = {});
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  int port() const { return port_; }
  // Sessions so far; waits (up to 5 s) for one in progress to end, since a client may
  // return before the server has seen its QUIT or close.
  std::vector<SmtpSession> sessions() const;

 private:
  void loop();
  void serve(int fd);

  SmtpBehaviour behaviour_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> in_session_{false};
  mutable std::mutex mu_;
  std::vector<SmtpSession> sessions_;
  void* ssl_ctx_ = nullptr;  // SSL_CTX*, OpenSSL kept out of this header
  std::thread thread_;
};

// Base64 decoding for checks on MIME parts (whitespace and CRLF ignored).
std::string base64_decode(std::string_view text);

}  // namespace ca::test
