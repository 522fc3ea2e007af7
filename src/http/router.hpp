// Routes "/creators/{id}/api-keys/{key_id}" to handlers; 404 for unknown paths,
// 405 (with Allow) for known paths with another method.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace ca::http {

using Handler = std::function<Response(Request&)>;
// Answers a request, exactly once, from any thread.
using Respond = std::function<void(Response)>;
// A handler that runs on the I/O thread and answers through `respond`, now or later (after
// a group commit, say). It must not block: when it cannot go on without waiting (a database
// read), it returns false without calling `respond`, and the route's Handler answers on
// the handler pool instead. Saves the pool's two thread hand-offs per request.
using FastHandler = std::function<bool(Request&, const Respond&)>;

enum class BodyKind { json, form, any };

struct RouteOptions {
  std::size_t max_body_bytes = 0;  // 0: the server default
  BodyKind body = BodyKind::json;  // what Content-Type a non-empty body must have
};

struct Route {
  Method method;
  std::string pattern;
  Handler handler;
  RouteOptions options;
  FastHandler fast;  // empty: always the pool
};

struct RouteMatch {
  const Route* route = nullptr;  // null when not matched
  int status = 200;              // 404 or 405 when route is null
  std::string allow;             // "GET, POST" for a 405
  std::vector<std::pair<std::string, std::string>> params;
};

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  void add(Method method, std::string_view pattern, Handler handler, RouteOptions options = {},
           FastHandler fast = {});
  // Literal segments win over parameters; a trailing slash is ignored.
  RouteMatch match(Method method, std::string_view path) const;
  // Every registered route in registration order (docs/openapi.yaml is checked against it).
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  struct Node;
  std::unique_ptr<Node> root_;
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace ca::http
