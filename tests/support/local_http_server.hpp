// A real HTTP/1.1 server on 127.0.0.1:<ephemeral> for tests that stand in for providers
// (OpenAI-compatible, Topmate, Twilio, external agents): blocking sockets, one thread, one
// request per connection, replies from a handler. Speaks the protocol over a real socket,
// so the client code under test runs unchanged.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ca::test {

struct ReceivedRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // path with query, e.g. "/v1/chat/completions?x=1"
  std::string path;                            // target without the query
  std::string query;                           // after '?', undecoded
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
};

struct CannedReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers{};  // extra, e.g. Retry-After
  std::chrono::milliseconds delay{0};  // before replying (slow providers, timeouts)
};

class LocalHttpServer {
 public:
  using Handler = std::function<CannedReply(const ReceivedRequest&)>;
  explicit LocalHttpServer(Handler handler);
  ~LocalHttpServer();
  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>" (no trailing slash).
  std::string base_url() const;
  int requests() const { return requests_; }
  // Every request received so far, in order.
  std::vector<ReceivedRequest> received() const;

 private:
  void loop();
  void serve(int fd);

  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mu_;
  std::vector<ReceivedRequest> received_;
  std::thread thread_;
};

}  // namespace ca::test
