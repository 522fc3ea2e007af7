// One accepted TCP connection and the coroutine that serves it. Internal to http/;
// the only headers besides server.cpp that pull in Beast/Asio.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "http/router.hpp"
#include "http/server.hpp"

namespace ca::http {

// What every connection needs from the server; owned by Server::Impl and outliving
// all connections.
struct ConnectionContext {
  const ServerOptions& options;
  const Router& router;
  boost::asio::thread_pool::executor_type handlers;
  const std::atomic<bool>& stopping;
};

struct Connection {
  Connection(boost::asio::ip::tcp::socket socket, std::uint64_t conn_id);

  boost::beast::tcp_stream stream;  // its executor is the connection's strand
  std::uint64_t id;
  std::string remote;
  // True from the first byte of a request until its response is written. Touched only
  // on the strand; shutdown closes connections that are not busy.
  bool busy = false;
};

// Serves requests until the peer closes, a timeout, an unrecoverable error, or shutdown.
boost::asio::awaitable<void> serve_connection(std::shared_ptr<Connection> conn,
                                              const ConnectionContext& ctx);

}  // namespace ca::http
