#include "http/connection.hpp"

#include <array>
#include <chrono>
#include <exception>
#include <optional>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include "http/request_stats.hpp"
#include "http/wire.hpp"

namespace ca::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::awaitable;
using Clock = std::chrono::steady_clock;

Connection::Connection(asio::ip::tcp::socket socket, std::uint64_t conn_id)
    : stream(std::move(socket)), id(conn_id) {}

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// After an error response with request bytes still unread, keep reading for a moment
// before closing so the peer sees our response instead of a TCP reset.
constexpr std::chrono::milliseconds kLingerTimeout{500};
constexpr std::size_t kLingerMaxBytes = 4 << 20;

using Parser = bhttp::request_parser<bhttp::string_body>;
using WireResponse = bhttp::response<bhttp::string_body>;

// Runs on the handler pool: handlers may block on the database.
awaitable<Response> call_handler(const Route* route, Request* req) {
  Response res;
  try {
    res = route->handler(*req);
  } catch (const std::exception& e) {
    // what() only: the request body may hold personal data or secrets.
    spdlog::error("handler {} {} threw: {}", to_string(route->method), route->pattern, e.what());
    res = error_response(Error::internal("internal error"));
  } catch (...) {
    spdlog::error("handler {} {} threw a non-exception", to_string(route->method), route->pattern);
    res = error_response(Error::internal("internal error"));
  }
  co_return res;
}

// Runs a route's fast handler on this (I/O) thread. Completes with its answer, posted back
// to the connection's strand from whichever thread gave it, or with nullopt when the
// handler declined (the pool runs the route's handler then).
awaitable<std::optional<Response>> call_fast(const Route* route, Request* req) {
  using Signature = void(std::optional<Response>);
  return asio::async_initiate<decltype(asio::use_awaitable), Signature>(
      [route, req](auto completion) {
        auto ex = asio::get_associated_executor(completion);
        // Respond is copyable; the completion is not. Only the first answer counts.
        auto shared = std::make_shared<decltype(completion)>(std::move(completion));
        auto answered = std::make_shared<std::atomic<bool>>(false);
        auto finish = [shared, answered, ex](std::optional<Response> r) {
          if (answered->exchange(true)) return;
          asio::post(ex, [shared, r = std::move(r)]() mutable { (*shared)(std::move(r)); });
        };
        const Respond respond = [finish](Response r) { finish(std::move(r)); };
        bool taken = true;
        try {
          taken = route->fast(*req, respond);
        } catch (const std::exception& e) {
          // Not the pool: the handler may have started work (queued a write) before it threw.
          spdlog::error("fast handler {} {} threw: {}", to_string(route->method), route->pattern,
                        e.what());
          respond(error_response(Error::internal("internal error")));
        } catch (...) {
          spdlog::error("fast handler {} {} threw a non-exception", to_string(route->method),
                        route->pattern);
          respond(error_response(Error::internal("internal error")));
        }
        if (!taken) finish(std::nullopt);
      },
      asio::use_awaitable);
}

WireResponse to_wire(Response&& r, unsigned version, bool keep_alive, bool head) {
  WireResponse res;
  res.version(version);
  if (r.status < 100 || r.status > 599) r = error_response(Error::internal("bad status"));
  res.result(static_cast<unsigned>(r.status));
  res.set(bhttp::field::server, "creator-agents");
  if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) res.insert(name, value);
  res.set("X-Content-Type-Options", "nosniff");
  if (media_type_is(r.content_type, "application/json") &&
      res.find(bhttp::field::cache_control) == res.end()) {
    res.set(bhttp::field::cache_control, "no-store");
  }
  // These statuses must not carry a body (Beast throws otherwise).
  if (r.status < 200 || r.status == 204 || r.status == 304) r.body.clear();
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  if (head) res.body().clear();  // Content-Length still describes the GET body
  return res;
}

Response error_with_status(int status, ErrorCode code, std::string message) {
  Response r = error_response(Error{code, std::move(message), {}});
  r.status = status;
  return r;
}

Response too_large(std::size_t limit) {
  return error_response(Error{
      ErrorCode::payload_too_large,
      "request body exceeds the limit of " + std::to_string(limit) + " bytes for this endpoint",
      {}});
}

// A syntax error in the request (as opposed to EOF, timeout, reset).
bool is_parse_error(const beast::error_code& ec) {
  if (ec.category() != bhttp::make_error_code(bhttp::error::bad_target).category()) return false;
  return ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
         ec != bhttp::error::need_more && ec != bhttp::error::need_buffer;
}

bool expects_body_type(Method m) {
  return m == Method::post || m == Method::put || m == Method::patch;
}

void log_request(std::string_view method, std::string_view path, int status, Clock::time_point t0,
                 const std::string& remote) {
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  request_stats().record(status, ms);
  spdlog::info("{} {} {} {:.1f}ms {}", method, path, status, ms, remote);
}

awaitable<bool> send(Connection& conn, Response res, unsigned version, bool keep_alive, bool head,
                     std::chrono::milliseconds timeout) {
  WireResponse wire = to_wire(std::move(res), version, keep_alive, head);
  conn.stream.expires_after(timeout);
  auto [ec, n] = co_await bhttp::async_write(conn.stream, wire, kTuple);
  co_return !ec;
}

awaitable<void> linger_close(beast::tcp_stream& stream) {
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream.expires_after(kLingerTimeout);
  std::array<char, 4096> sink{};
  std::size_t total = 0;
  while (total < kLingerMaxBytes) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
    if (ec) break;
    total += n;
  }
}

// Fills everything but the body and path params from a parsed header.
std::optional<Response> fill_request(const bhttp::request_header<>& h, Request& req,
                                     std::string& log_path) {
  auto target = boost::urls::parse_origin_form(h.target());
  if (!target)
    return error_with_status(400, ErrorCode::invalid_argument, "malformed request target");
  log_path = std::string(target->encoded_path());
  req.path = target->path();
  for (auto p : target->params()) req.query.emplace_back(p.key, p.has_value ? p.value : "");
  for (const auto& f : h)
    req.headers.emplace_back(to_lower(f.name_string()), std::string(f.value()));
  return std::nullopt;
}

}  // namespace

awaitable<void> serve_connection(std::shared_ptr<Connection> conn, const ConnectionContext& ctx) {
  auto& stream = conn->stream;
  const ServerOptions& opt = ctx.options;
  beast::flat_buffer buffer;
  bool linger = false;  // unread request bytes may remain when we stop

  while (!ctx.stopping.load()) {
    conn->busy = false;
    if (buffer.size() == 0) {  // idle keep-alive wait; pipelined bytes skip it
      stream.expires_after(opt.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
      if (ec) break;
      buffer.commit(n);
    }
    conn->busy = true;
    const auto t0 = Clock::now();
    stream.expires_after(opt.read_timeout);  // the whole request, header and body

    Parser parser;
    parser.header_limit(static_cast<std::uint32_t>(opt.max_header_bytes));
    // Beast would reject an oversized Content-Length while parsing the header; the limit
    // depends on the route, so it is checked (and set for chunked bodies) after matching.
    parser.body_limit(boost::none);
    auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
    if (hec) {
      std::optional<Response> err;
      if (hec == bhttp::error::header_limit) {
        err = error_with_status(
            431, ErrorCode::invalid_argument,
            "request header exceeds " + std::to_string(opt.max_header_bytes) + " bytes");
      } else if (is_parse_error(hec)) {
        err = error_with_status(400, ErrorCode::invalid_argument, "malformed HTTP request");
      }
      if (err) {
        log_request("-", "-", err->status, t0, conn->remote);
        co_await send(*conn, std::move(*err), 11, false, false, opt.read_timeout);
        linger = true;
      }
      break;
    }

    const auto& header = parser.get();
    const unsigned version = header.version();
    const std::string method_name(header.method_string());
    Request req;
    req.method = method_from_string(method_name);
    req.remote_addr = conn->remote;
    const bool head = req.method == Method::head;
    std::string log_path = "-";
    const Route* route = nullptr;

    // Rejections decided from the header alone, before any body is read.
    std::optional<Response> early = fill_request(header, req, log_path);
    if (!early) {
      RouteMatch m = ctx.router.match(req.method, log_path);
      parser.body_limit(opt.max_body_bytes);
      if (m.route) {
        route = m.route;
        req.path_params = std::move(m.params);
        const std::size_t limit =
            route->options.max_body_bytes ? route->options.max_body_bytes : opt.max_body_bytes;
        parser.body_limit(limit);
        const bool has_body = parser.content_length().value_or(0) > 0 || parser.chunked();
        if (parser.content_length().value_or(0) > limit) {
          early = too_large(limit);
        } else if (has_body && expects_body_type(req.method) &&
                   !body_kind_accepts(route->options.body, header[bhttp::field::content_type])) {
          early =
              error_response(Error{ErrorCode::unsupported_media_type,
                                   route->options.body == BodyKind::form
                                       ? "Content-Type must be application/x-www-form-urlencoded"
                                       : "Content-Type must be application/json",
                                   {}});
        }
      } else if (m.status == 405) {
        early = error_response(Error{ErrorCode::method_not_allowed,
                                     method_name + " is not allowed here; allowed: " + m.allow,
                                     {}});
        early->headers.emplace_back("Allow", m.allow);
      } else {
        early = error_response(Error::not_found("no endpoint at this path"));
      }
    }
    if (early) {
      // Keep the connection only when no body is left unread on it.
      const bool keep = header.keep_alive() && parser.is_done() && !ctx.stopping.load();
      log_request(method_name, log_path, early->status, t0, conn->remote);
      if (!co_await send(*conn, std::move(*early), version, keep, head, opt.read_timeout)) break;
      if (keep) continue;
      linger = !parser.is_done();
      break;
    }

    if (!parser.is_done()) {
      if (beast::iequals(header[bhttp::field::expect], "100-continue")) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, version};
        auto [cec, cn] = co_await bhttp::async_write(stream, cont, kTuple);
        if (cec) break;
      }
      auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
      if (bec) {
        std::optional<Response> err;
        if (bec == bhttp::error::body_limit) {
          err = too_large(route->options.max_body_bytes ? route->options.max_body_bytes
                                                        : opt.max_body_bytes);
        } else if (is_parse_error(bec)) {
          err = error_with_status(400, ErrorCode::invalid_argument, "malformed HTTP body");
        }
        if (err) {
          log_request(method_name, log_path, err->status, t0, conn->remote);
          co_await send(*conn, std::move(*err), version, false, head, opt.read_timeout);
          linger = true;
        }
        break;
      }
    }
    const bool keep_alive = parser.get().keep_alive();
    req.body = std::move(parser.get().body());

    std::optional<Response> fast;
    if (route->fast) {
      fast = co_await call_fast(route, &req);
    }
    Response res;
    if (fast) {
      res = std::move(*fast);
    } else {
      res = co_await asio::co_spawn(ctx.handlers, call_handler(route, &req), asio::use_awaitable);
    }
    const int status = res.status;
    const bool keep = keep_alive && !ctx.stopping.load();
    const bool sent = co_await send(*conn, std::move(res), version, keep, head, opt.read_timeout);
    log_request(method_name, log_path, status, t0, conn->remote);
    if (!sent || !keep) break;
  }

  conn->busy = false;
  if (linger) {
    co_await linger_close(stream);
  }
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream.close();
}

}  // namespace ca::http
