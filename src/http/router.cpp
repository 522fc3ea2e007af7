#include "http/router.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <stdexcept>

namespace ca::http {

namespace {

constexpr std::array kAllowOrder = {Method::get,   Method::head, Method::post,   Method::put,
                                    Method::patch, Method::del,  Method::options};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX; a malformed escape is kept verbatim (it then simply matches nothing literal).
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// "/a/b/" -> {"a","b"}: one trailing slash is ignored, inner empty segments are kept.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segs;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return segs;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      segs.push_back(path.substr(start));
      break;
    }
    segs.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return segs;
}

bool is_param(std::string_view seg) {
  return seg.size() >= 3 && seg.front() == '{' && seg.back() == '}';
}

}  // namespace

struct Router::Node {
  struct Endpoint {
    const Route* route = nullptr;
    std::vector<std::string> param_names;  // in path order; names may differ per route
  };
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::unique_ptr<Node> param;
  std::map<Method, Endpoint> endpoints;
};

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::add(Method method, std::string_view pattern, Handler handler, RouteOptions options,
                 FastHandler fast) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + std::string(pattern));
  }
  Node* node = root_.get();
  std::vector<std::string> names;
  for (std::string_view seg : split_path(pattern)) {
    if (is_param(seg)) {
      names.emplace_back(seg.substr(1, seg.size() - 2));
      if (!node->param) node->param = std::make_unique<Node>();
      node = node->param.get();
    } else {
      if (seg.empty() || seg.find_first_of("{}") != std::string_view::npos) {
        throw std::invalid_argument("bad route segment in " + std::string(pattern));
      }
      auto it = node->literals.find(seg);
      if (it == node->literals.end()) {
        it = node->literals.emplace(std::string(seg), std::make_unique<Node>()).first;
      }
      node = it->second.get();
    }
  }
  if (node->endpoints.contains(method)) {
    throw std::invalid_argument(std::string("duplicate route ") + to_string(method) + " " +
                                std::string(pattern));
  }
  routes_.push_back(std::make_unique<Route>(
      Route{method, std::string(pattern), std::move(handler), options, std::move(fast)}));
  node->endpoints[method] = Node::Endpoint{routes_.back().get(), std::move(names)};
}

RouteMatch Router::match(Method method, std::string_view path) const {
  std::vector<std::string> segs;
  for (std::string_view s : split_path(path)) segs.push_back(percent_decode(s));

  // Depth-first, literal before parameter, so the most specific route wins.
  // `want` picks which terminal nodes count as a hit.
  std::vector<const std::string*> values;
  auto walk = [&](auto&& self, const Node* node, std::size_t i, auto&& want) -> const Node* {
    if (i == segs.size()) return want(node) ? node : nullptr;
    if (auto it = node->literals.find(segs[i]); it != node->literals.end()) {
      if (const Node* hit = self(self, it->second.get(), i + 1, want)) return hit;
    }
    if (node->param && !segs[i].empty()) {
      values.push_back(&segs[i]);
      if (const Node* hit = self(self, node->param.get(), i + 1, want)) return hit;
      values.pop_back();
    }
    return nullptr;
  };

  auto endpoint_for = [&](const Node* n) -> const Node::Endpoint* {
    if (auto it = n->endpoints.find(method); it != n->endpoints.end()) return &it->second;
    if (method == Method::head) {
      if (auto it = n->endpoints.find(Method::get); it != n->endpoints.end()) return &it->second;
    }
    return nullptr;
  };

  RouteMatch m;
  auto has_method = [&](const Node* n) { return endpoint_for(n) != nullptr; };
  if (const Node* hit = walk(walk, root_.get(), 0, has_method)) {
    const Node::Endpoint* ep = endpoint_for(hit);
    m.route = ep->route;
    for (std::size_t k = 0; k < ep->param_names.size() && k < values.size(); ++k) {
      m.params.emplace_back(ep->param_names[k], *values[k]);
    }
    return m;
  }

  // No route for this method: collect every method any matching path accepts (405),
  // or report 404 when the path matches nothing at all.
  std::vector<Method> allowed;
  auto collect = [&](const Node* n) {
    for (const auto& [meth, ep] : n->endpoints) {
      if (std::find(allowed.begin(), allowed.end(), meth) == allowed.end()) {
        allowed.push_back(meth);
      }
    }
    return false;  // keep walking: alternatives may accept other methods
  };
  values.clear();
  walk(walk, root_.get(), 0, collect);
  if (allowed.empty()) {
    m.status = 404;
    return m;
  }
  m.status = 405;
  for (Method meth : kAllowOrder) {
    if (std::find(allowed.begin(), allowed.end(), meth) == allowed.end()) continue;
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += to_string(meth);
  }
  return m;
}

}  // namespace ca::http
