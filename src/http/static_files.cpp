#include "http/static_files.hpp"

#include <array>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <utility>

namespace ca::http {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

constexpr std::size_t kMaxFileBytes = 4 << 20;

bool safe_segment(std::string_view seg) {
  if (seg.empty() || seg.front() == '.') return false;  // "", ".", "..", dotfiles
  for (char c : seg) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\\' || c == '%' || c == ':' || u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

bool within(const fs::path& root, const fs::path& p) {
  auto r = root.begin();
  auto q = p.begin();
  for (; r != root.end(); ++r, ++q) {
    if (q == p.end() || *r != *q) return false;
  }
  return true;
}

}  // namespace

std::optional<fs::path> resolve_static_path(const fs::path& root, std::string_view url_path) {
  if (url_path.empty() || url_path.front() != '/') return std::nullopt;
  std::string_view rest = url_path.substr(1);
  if (rest.empty()) rest = "index.html";
  fs::path rel;
  while (true) {
    const std::size_t slash = rest.find('/');
    const std::string_view seg = rest.substr(0, slash);
    if (!safe_segment(seg)) return std::nullopt;
    rel /= std::string(seg);
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  std::error_code ec;
  const fs::path canon_root = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  const fs::path file = fs::canonical(canon_root / rel, ec);  // resolves symlinks
  if (ec || !within(canon_root, file) || !fs::is_regular_file(file, ec)) return std::nullopt;
  return file;
}

std::string_view content_type_for(const fs::path& file) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  }};
  const std::string ext = file.extension().string();
  for (const auto& [e, type] : kTypes) {
    if (ext == e) return type;
  }
  return "application/octet-stream";
}

void add_dashboard_headers(Response& res) {
  res.headers.emplace_back("Content-Security-Policy", std::string(kCsp));
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.headers.emplace_back("Referrer-Policy", "no-referrer");
  res.headers.emplace_back("X-Frame-Options", "DENY");
}

Response serve_static(const fs::path& root, std::string_view url_path) {
  auto not_found = [] {
    Response r = error_response(Error::not_found("no file at this path"));
    add_dashboard_headers(r);
    return r;
  };
  auto file = resolve_static_path(root, url_path);
  if (!file) return not_found();
  std::error_code ec;
  const auto size = fs::file_size(*file, ec);
  if (ec || size > kMaxFileBytes) return not_found();
  std::ifstream in(*file, std::ios::binary);
  if (!in) return not_found();
  Response r;
  r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  r.content_type = std::string(content_type_for(*file));
  // Revalidate every time: a new build's files show up on the next load.
  r.headers.emplace_back("Cache-Control", "no-cache");
  add_dashboard_headers(r);
  return r;
}

std::size_t register_static_routes(Router& router, const fs::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return 0;
  std::size_t count = 0;
  auto add = [&](const std::string& url) {
    if (url.find_first_of("{}") != std::string::npos) return;
    if (router.match(Method::get, url).route != nullptr) return;  // an API route owns it
    if (!resolve_static_path(root, url)) return;
    router.add(Method::get, url, [root, url](Request&) { return serve_static(root, url); });
    ++count;
  };
  if (fs::is_regular_file(root / "index.html", ec)) add("/");
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    add("/" + fs::relative(it->path(), root, ec).generic_string());
  }
  return count;
}

}  // namespace ca::http
