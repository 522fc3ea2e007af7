#include "local_http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <stdexcept>

namespace ca::test {
namespace {

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::size_t content_length(const std::string& head) {
  std::string l = lower(head);
  auto p = l.find("\r\ncontent-length:");
  return p == std::string::npos ? 0 : std::stoul(l.substr(p + 17));
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

}  // namespace

LocalHttpServer::LocalHttpServer(Handler handler) : handler_(std::move(handler)) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 64) != 0) {
    ::close(fd_);
    throw std::runtime_error("bind/listen failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { loop(); });
}

LocalHttpServer::~LocalHttpServer() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
}

std::string LocalHttpServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::vector<ReceivedRequest> LocalHttpServer::received() const {
  std::lock_guard lock(mu_);
  return received_;
}

void LocalHttpServer::loop() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) continue;
    serve(c);
    ::close(c);
  }
}

void LocalHttpServer::serve(int c) {
  std::string data;
  std::array<char, 4096> buf{};
  std::size_t header_end = std::string::npos;
  std::size_t need = 0;
  while (true) {
    if (header_end == std::string::npos) {
      header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) need = header_end + 4 + content_length(data);
    }
    if (header_end != std::string::npos && data.size() >= need) break;
    ssize_t n = ::recv(c, buf.data(), buf.size(), 0);
    if (n <= 0) return;
    data.append(buf.data(), static_cast<std::size_t>(n));
  }
  ReceivedRequest r;
  std::size_t line_end = data.find("\r\n");
  std::string request_line = data.substr(0, line_end);
  std::size_t sp1 = request_line.find(' ');
  std::size_t sp2 = request_line.find(' ', sp1 + 1);
  r.method = request_line.substr(0, sp1);
  r.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  std::size_t pos = line_end + 2;
  while (pos < header_end) {
    std::size_t eol = data.find("\r\n", pos);
    std::string line = data.substr(pos, eol - pos);
    std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::size_t v = line.find_first_not_of(' ', colon + 1);
      r.headers[lower(line.substr(0, colon))] = v == std::string::npos ? "" : line.substr(v);
    }
    pos = eol + 2;
  }
  r.body = data.substr(header_end + 4);
  ++requests_;
  {
    std::lock_guard lock(mu_);
    received_.push_back(r);
  }
  CannedReply reply = handler_(r);
  std::this_thread::sleep_for(reply.delay);
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " + reason(reply.status) +
                    "\r\nContent-Type: " + reply.content_type +
                    "\r\nContent-Length: " + std::to_string(reply.body.size()) +
                    "\r\nConnection: close\r\n";
  for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
  out += "\r\n" + reply.body;
  ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
}

}  // namespace ca::test
