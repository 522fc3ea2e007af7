// The HTTP/1.1 server: Boost.Beast + C++20 coroutines on a few io threads; handlers
// (which may block on the database) run on a separate pool. Beast stays in server.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "domain/result.hpp"
#include "http/router.hpp"

namespace ca::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: an ephemeral port (see Server::port())
  int io_threads = 1;
  int handler_threads = 8;
  std::size_t max_body_bytes = 1 << 20;  // per-route override in RouteOptions
  std::size_t max_header_bytes = 16 << 10;
  std::chrono::milliseconds read_timeout{30'000};    // whole request, header to body
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive between requests
  std::chrono::milliseconds shutdown_grace{10'000};  // in-flight requests may finish
};

class Server {
 public:
  Server(ServerOptions options, Router router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; after this port() is the real port. Errors: address in use etc.
  Result<void> listen();
  std::uint16_t port() const;
  // Serves until stop() or, when handle_signals, SIGINT/SIGTERM. Then stops accepting,
  // lets in-flight requests finish (up to shutdown_grace), closes idle connections, returns.
  void run(bool handle_signals);
  // Thread-safe; may be called from a handler or another thread.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ca::http
