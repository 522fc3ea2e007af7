#include "http/server.hpp"

#include <sys/socket.h>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <exception>
#include <thread>
#include <unordered_map>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/connection.hpp"

namespace ca::http {

namespace asio = boost::asio;
using asio::ip::tcp;

class Server::Impl {
 public:
  Impl(ServerOptions options, Router router)
      : options_(std::move(options)),
        router_(std::move(router)),
        ioc_(std::max(1, options_.io_threads)),
        control_(asio::make_strand(ioc_)),
        acceptor_(control_),
        grace_timer_(control_),
        signals_(control_),
        handler_pool_(static_cast<std::size_t>(std::max(1, options_.handler_threads))),
        ctx_{options_, router_, handler_pool_.get_executor(), stopping_} {}

  Result<void> listen() {
    boost::system::error_code ec;
    tcp::resolver resolver(ioc_);
    auto results =
        resolver.resolve(options_.host, std::to_string(options_.port), tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return Error{ErrorCode::invalid_argument,
                   "cannot resolve listen host '" + options_.host + "': " + ec.message(), "host"};
    }
    const tcp::endpoint ep = results.begin()->endpoint();
    const std::string where = options_.host + ":" + std::to_string(options_.port);
    if (acceptor_.open(ep.protocol(), ec); ec) return fail("open", where, ec);
    if (acceptor_.set_option(tcp::acceptor::reuse_address(true), ec); ec) {
      return fail("configure", where, ec);
    }
    if (acceptor_.bind(ep, ec); ec) return fail("bind", where, ec);
    if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
      return fail("listen on", where, ec);
    }
    port_ = acceptor_.local_endpoint(ec).port();
    spdlog::info("http: listening on {}:{}", options_.host, port_.load());
    return ok();
  }

  std::uint16_t port() const { return port_.load(); }

  void run(bool handle_signals) {
    if (!acceptor_.is_open()) {
      if (auto r = listen(); !r) {
        spdlog::error("http: {}", r.error().message);
        return;
      }
    }
    asio::co_spawn(control_, accept_loop(), asio::detached);
    if (handle_signals) {
      signals_.add(SIGINT);
      signals_.add(SIGTERM);
      signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("http: signal {}, shutting down", sig);
        begin_shutdown();
      });
    }
    std::vector<std::thread> extra;
    for (int i = 1; i < options_.io_threads; ++i) extra.emplace_back([this] { ioc_.run(); });
    ioc_.run();
    for (auto& t : extra) t.join();
    spdlog::info("http: stopped");
  }

  void stop() {
    asio::post(control_, [this] { begin_shutdown(); });
  }

 private:
  static Error fail(const char* what, const std::string& where,
                    const boost::system::error_code& ec) {
    return Error{ErrorCode::unavailable,
                 std::string("cannot ") + what + " " + where + ": " + ec.message(),
                 {}};
  }

  asio::awaitable<void> accept_loop() {
    constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
    while (!stopping_.load()) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), kTuple);
      if (ec) {
        if (stopping_.load() || !acceptor_.is_open()) co_return;
        // E.g. out of file descriptors: back off instead of spinning.
        spdlog::warn("http: accept failed: {}", ec.message());
        asio::steady_timer pause(control_, std::chrono::milliseconds(50));
        co_await pause.async_wait(kTuple);
        continue;
      }
      start(tcp::socket(std::move(socket)));
    }
  }

  // On the control strand.
  void start(tcp::socket socket) {
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_shared<Connection>(std::move(socket), next_id_++);
    const auto remote = conn->stream.socket().remote_endpoint(ec);
    conn->remote = ec ? std::string("-") : remote.address().to_string();
    conns_[conn->id] = conn;
    const std::uint64_t id = conn->id;
    auto executor = conn->stream.get_executor();
    auto done = [this, id](const std::exception_ptr& e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          spdlog::error("http: connection failed: {}", x.what());
        } catch (...) {
          spdlog::error("http: connection failed");
        }
      }
      asio::post(control_, [this, id] { on_closed(id); });
    };
    asio::co_spawn(executor, serve_connection(std::move(conn), ctx_), std::move(done));
  }

  // On the control strand.
  void on_closed(std::uint64_t id) {
    conns_.erase(id);
    if (stopping_.load() && conns_.empty()) grace_timer_.cancel();
  }

  // On the control strand: stop accepting, close idle connections now, give busy ones
  // shutdown_grace to finish their request, then stop the io_context regardless.
  void begin_shutdown() {
    if (stopping_.exchange(true)) return;
    spdlog::info("http: shutting down, {} open connection(s)", conns_.size());
    boost::system::error_code ec;
    acceptor_.close(ec);
    signals_.cancel(ec);
    for (auto& [id, weak] : conns_) {
      if (auto conn = weak.lock()) {
        asio::post(conn->stream.get_executor(), [conn] {
          if (!conn->busy) conn->stream.cancel();
        });
      }
    }
    if (conns_.empty()) return;
    grace_timer_.expires_after(options_.shutdown_grace);
    grace_timer_.async_wait([this](const boost::system::error_code& wait_ec) {
      if (wait_ec) return;  // cancelled: every connection finished in time
      spdlog::warn("http: shutdown grace elapsed with {} connection(s) open", conns_.size());
      // Their coroutines may be parked on a handler that never returns, so no posted
      // close would run: shut the descriptors down directly (a plain syscall, safe while
      // another strand owns the socket object) so peers see EOF, then stop the loop.
      for (auto& [id, weak] : conns_) {
        if (auto conn = weak.lock()) ::shutdown(conn->stream.socket().native_handle(), SHUT_RDWR);
      }
      ioc_.stop();
    });
  }

  ServerOptions options_;
  Router router_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint16_t> port_{0};
  asio::io_context ioc_;
  asio::strand<asio::io_context::executor_type> control_;  // acceptor, registry, timers
  tcp::acceptor acceptor_;
  asio::steady_timer grace_timer_;
  asio::signal_set signals_;
  std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> conns_;
  std::uint64_t next_id_ = 1;
  // Declared after ioc_ so it is joined first: no handler outlives the io_context.
  asio::thread_pool handler_pool_;
  ConnectionContext ctx_;
};

Server::Server(ServerOptions options, Router router)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router))) {}
Server::~Server() = default;
Result<void> Server::listen() { return impl_->listen(); }
std::uint16_t Server::port() const { return impl_->port(); }
void Server::run(bool handle_signals) { impl_->run(handle_signals); }
void Server::stop() { impl_->stop(); }

}  // namespace ca::http
