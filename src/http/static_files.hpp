// The dashboard's static files (web/): one GET route per file found at start-up, so an
// unknown path stays a JSON 404 and nothing outside the folder can ever be named.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>

#include "http/message.hpp"
#include "http/router.hpp"

namespace ca::http {

// The file a URL path names under root: "/" is index.html. nullopt for anything that
// could leave root or reach hidden files ("..", ".x", "\", "%", NUL, empty segments,
// symlinks out of root) and for paths that are not regular files.
std::optional<std::filesystem::path> resolve_static_path(const std::filesystem::path& root,
                                                         std::string_view url_path);

// "text/html; charset=utf-8" for ".html" etc.; application/octet-stream when unknown.
std::string_view content_type_for(const std::filesystem::path& file);

// Content-Security-Policy, nosniff, no-referrer, frame denial: on every dashboard response.
void add_dashboard_headers(Response& res);

// The file for url_path (200 with caching and dashboard headers) or a JSON 404.
Response serve_static(const std::filesystem::path& root, std::string_view url_path);

// GET / and GET /<file> for every file under root (paths an API route already holds are
// skipped). Returns how many files were registered; 0 when root is missing.
std::size_t register_static_routes(Router& router, const std::filesystem::path& root);

}  // namespace ca::http
