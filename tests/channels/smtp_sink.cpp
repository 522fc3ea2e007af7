#include "smtp_sink.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <cctype>
#include <stdexcept>

namespace ca::test {

namespace {

bool starts_with_ci(std::string_view line, std::string_view prefix) {
  if (line.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(line[i])) != prefix[i]) return false;
  }
  return true;
}

class Conn {
 public:
  Conn(int fd, const std::atomic<bool>& stop) : fd_(fd), stop_(stop) {}
  ~Conn() {
    if (ssl_ != nullptr) {
      SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Server side of a TLS handshake on this connection; false on failure.
  bool start_tls(SSL_CTX* ctx) {
    buf_.clear();  // nothing sent before the handshake may be trusted
    ssl_ = SSL_new(ctx);
    SSL_set_fd(ssl_, fd_);
    return SSL_accept(ssl_) == 1;
  }
  bool tls() const { return ssl_ != nullptr; }

  // One line without its CRLF; false on EOF, error or stop.
  bool read_line(std::string& line) {
    while (true) {
      auto nl = buf_.find("\r\n");
      if (nl != std::string::npos) {
        line = buf_.substr(0, nl);
        buf_.erase(0, nl + 2);
        return true;
      }
      if (ssl_ == nullptr || SSL_pending(ssl_) == 0) {
        pollfd p{fd_, POLLIN, 0};
        int r = ::poll(&p, 1, 50);
        if (stop_) return false;
        if (r <= 0) continue;
      }
      char tmp[4096];
      int n = ssl_ != nullptr ? SSL_read(ssl_, tmp, sizeof tmp)
                              : static_cast<int>(::recv(fd_, tmp, sizeof tmp, 0));
      if (n <= 0) return false;
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }
  void write(const std::string& s) {
    std::string out = s + "\r\n";
    if (ssl_ != nullptr) {
      SSL_write(ssl_, out.data(), static_cast<int>(out.size()));
      return;
    }
    size_t off = 0;
    while (off < out.size()) {
      ssize_t n = ::send(fd_, out.data() + off, out.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }

 private:
  int fd_;
  const std::atomic<bool>& stop_;
  SSL* ssl_ = nullptr;
  std::string buf_;
};

}  // namespace

std::string base64_decode(std::string_view text) {
  std::string clean;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) clean += c;
  }
  std::string out(clean.size() / 4 * 3 + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()),
                          static_cast<int>(clean.size()));
  if (n < 0) return "<invalid base64>";
  size_t len = static_cast<size_t>(n);
  // EVP_DecodeBlock counts padding as zero bytes.
  if (!clean.empty() && clean.back() == '=') --len;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}

SmtpSink::SmtpSink(SmtpBehaviour behaviour) : behaviour_(std::move(behaviour)) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 8) != 0) {
    throw std::runtime_error("SmtpSink: cannot listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (!behaviour_.tls_cert_file.empty()) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (SSL_CTX_use_certificate_file(ctx, behaviour_.tls_cert_file.c_str(), SSL_FILETYPE_PEM) !=
            1 ||
        SSL_CTX_use_PrivateKey_file(ctx, behaviour_.tls_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      SSL_CTX_free(ctx);
      throw std::runtime_error("SmtpSink: cannot load the TLS certificate or key");
    }
    ssl_ctx_ = ctx;
  }
  thread_ = std::thread([this] { loop(); });
}

SmtpSink::~SmtpSink() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
  SSL_CTX_free(static_cast<SSL_CTX*>(ssl_ctx_));
}

std::vector<SmtpSession> SmtpSink::sessions() const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{5};
  while (in_session_ && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  std::lock_guard lock(mu_);
  return sessions_;
}

void SmtpSink::loop() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) continue;
    in_session_ = true;
    serve(c);
    ::close(c);
  }
}

void SmtpSink::serve(int fd) {
  Conn conn(fd, stop_);
  SmtpSession s;
  auto record = [&] {
    std::lock_guard lock(mu_);
    sessions_.push_back(s);
    in_session_ = false;
  };
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx_);
  if (behaviour_.implicit_tls && (ctx == nullptr || !conn.start_tls(ctx))) {
    record();
    return;
  }
  conn.write("220 sink.test ESMTP ready");
  std::string line;
  while (conn.read_line(line)) {
    if (starts_with_ci(line, "EHLO ")) {
      s.ehlo = line.substr(5);
      conn.write("250-sink.test");
      if (ctx != nullptr && !conn.tls()) conn.write("250-STARTTLS");
      if (behaviour_.advertise_auth) conn.write("250-AUTH PLAIN");
      conn.write("250 8BITMIME");
    } else if (starts_with_ci(line, "STARTTLS")) {
      if (ctx == nullptr || conn.tls()) {
        conn.write("502 5.5.1 STARTTLS not available");
        continue;
      }
      conn.write("220 2.0.0 Ready to start TLS");
      if (!conn.start_tls(ctx)) break;
      s = SmtpSession{};  // RFC 3207: forget everything learned before TLS
    } else if (starts_with_ci(line, "HELO ")) {
      s.ehlo = line.substr(5);
      conn.write("250 sink.test");
    } else if (starts_with_ci(line, "AUTH PLAIN")) {
      std::string b64 = line.size() > 11 ? line.substr(11) : std::string();
      if (b64.empty()) {
        conn.write("334 ");
        if (!conn.read_line(b64)) break;
      }
      std::string plain = base64_decode(b64);  // authzid \0 user \0 password
      auto first = plain.find('\0');
      auto second = first == std::string::npos ? first : plain.find('\0', first + 1);
      if (second == std::string::npos) {
        conn.write("501 5.5.2 bad AUTH PLAIN");
        continue;
      }
      s.auth_user = plain.substr(first + 1, second - first - 1);
      s.auth_password = plain.substr(second + 1);
      s.tls_at_auth = conn.tls();
      conn.write("235 2.7.0 Authentication successful");
    } else if (starts_with_ci(line, "MAIL FROM:")) {
      s.mail_from = line.substr(10);
      s.tls_at_mail = conn.tls();
      conn.write("250 2.1.0 OK");
    } else if (starts_with_ci(line, "RCPT TO:")) {
      if (behaviour_.rcpt_reply.rfind('2', 0) == 0) s.rcpt_to.push_back(line.substr(8));
      conn.write(behaviour_.rcpt_reply);
    } else if (starts_with_ci(line, "DATA")) {
      conn.write("354 End data with <CR><LF>.<CR><LF>");
      std::string data;
      bool ended = false;
      while (conn.read_line(line)) {
        if (line == ".") {
          ended = true;
          break;
        }
        if (!line.empty() && line[0] == '.') line.erase(0, 1);  // dot-unstuffing
        data += line + "\r\n";
      }
      s.data = data;
      if (!ended) break;
      std::this_thread::sleep_for(behaviour_.data_end_delay);
      s.completed = behaviour_.data_end_reply.rfind('2', 0) == 0;
      conn.write(behaviour_.data_end_reply);
    } else if (starts_with_ci(line, "RSET") || starts_with_ci(line, "NOOP")) {
      conn.write("250 2.0.0 OK");
    } else if (starts_with_ci(line, "QUIT")) {
      conn.write("221 2.0.0 Bye");
      break;
    } else {
      conn.write("502 5.5.2 Command not recognized");
    }
  }
  record();
}

}  // namespace ca::test
