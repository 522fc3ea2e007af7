// The dashboard's static files: content types, headers, 404s, and no way out of the folder
// (dot segments, encoded or not, backslashes, dotfiles, symlinks), over a real server.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "http/static_files.hpp"
#include "raw_socket.hpp"
#include "server_fixture.hpp"

namespace ca::test {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

class StaticFilesTest : public ServerTest {
 protected:
  void SetUp() override {
    base_dir_ = fs::temp_directory_path() / ("ca-static-" + std::to_string(std::random_device{}()) +
                                             "-" + std::to_string(::getpid()));
    web_ = base_dir_ / "web";
    write(web_ / "index.html", "<!doctype html><title>dash</title>");
    write(web_ / "app.js", "export const x = 1;");
    write(web_ / "style.css", "body{}");
    write(web_ / "pages" / "overview.js", "export default 1;");
    write(web_ / ".env", "SECRET=1");
    write(base_dir_ / "secret.txt", "outside the web root");
    fs::create_symlink(base_dir_ / "secret.txt", web_ / "link.txt");
    http::Router router = test_router();
    registered_ = http::register_static_routes(router, web_);
    start(test_options(), std::move(router));
  }
  void TearDown() override {
    ServerTest::TearDown();
    fs::remove_all(base_dir_);
  }

  std::string raw_get(const std::string& target) {
    RawSocket sock(port());
    EXPECT_TRUE(sock.connected());
    sock.send("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    return sock.read_until_close(std::chrono::milliseconds(3000));
  }

  fs::path base_dir_, web_;
  std::size_t registered_ = 0;
};

TEST_F(StaticFilesTest, ServesIndexAndAssetsWithTypesAndDashboardHeaders) {
  // "/", index.html, app.js, style.css, pages/overview.js; not .env, not the symlink out.
  EXPECT_EQ(registered_, 5u);
  auto c = client();
  auto index = c.get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<!doctype html><title>dash</title>");
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.header("content-security-policy"),
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  EXPECT_EQ(index.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(index.header("referrer-policy"), "no-referrer");
  EXPECT_EQ(index.header("cache-control"), "no-cache");

  auto js = c.get("/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(c.get("/style.css").header("content-type"), "text/css; charset=utf-8");
  auto nested = c.get("/pages/overview.js");
  EXPECT_EQ(nested.status, 200);
  EXPECT_EQ(nested.body, "export default 1;");
  EXPECT_EQ(c.get("/index.html").status, 200);
}

TEST_F(StaticFilesTest, UnknownFilesHiddenFilesAndSymlinksOutAre404) {
  auto c = client();
  EXPECT_EQ(c.get("/missing.js").status, 404);
  EXPECT_EQ(c.get("/.env").status, 404);
  EXPECT_EQ(c.get("/link.txt").status, 404);
  EXPECT_EQ(c.get("/secret.txt").status, 404);
  // Other routes are untouched by the static ones.
  EXPECT_EQ(c.get("/echo/7").status, 200);
}

TEST_F(StaticFilesTest, TraversalIsRejectedEncodedOrNot) {
  for (const std::string target :
       {"/../secret.txt", "/pages/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
        "/pages/%2e%2e/%2e%2e/secret.txt", "/..%5csecret.txt", "/%252e%252e/secret.txt",
        "/pages/..%2f..%2fsecret.txt"}) {
    std::string reply = raw_get(target);
    EXPECT_NE(reply.find("HTTP/1.1 404"), std::string::npos) << target << "\n" << reply;
    EXPECT_EQ(reply.find("outside the web root"), std::string::npos) << target;
  }
}

TEST(StaticFilesResolve, RejectsEverySegmentThatCouldLeaveTheRoot) {
  const fs::path root = fs::temp_directory_path() / ("ca-resolve-" + std::to_string(::getpid()));
  write(root / "index.html", "x");
  write(root / "a" / "b.js", "y");
  EXPECT_TRUE(http::resolve_static_path(root, "/").has_value());
  EXPECT_TRUE(http::resolve_static_path(root, "/a/b.js").has_value());
  for (std::string_view bad : {"", "a/b.js", "/..", "/a/../index.html", "/./index.html", "/a//b.js",
                               "/a\\b.js", "/%2e%2e", "/a", "/nope"}) {
    EXPECT_FALSE(http::resolve_static_path(root, bad).has_value()) << bad;
  }
  EXPECT_FALSE(http::resolve_static_path(root, std::string("/a/b.js\0x", 9)).has_value());
  fs::remove_all(root);
}

TEST(StaticFilesResolve, ContentTypes) {
  EXPECT_EQ(http::content_type_for("a.html"), "text/html; charset=utf-8");
  EXPECT_EQ(http::content_type_for("a.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(http::content_type_for("a.svg"), "image/svg+xml");
  EXPECT_EQ(http::content_type_for("a.bin"), "application/octet-stream");
  EXPECT_EQ(http::content_type_for("Makefile"), "application/octet-stream");
}

TEST(StaticFilesResolve, MissingRootRegistersNothing) {
  http::Router router;
  EXPECT_EQ(http::register_static_routes(router, "/nonexistent/ca-web"), 0u);
  EXPECT_TRUE(router.routes().empty());
}

}  // namespace
}  // namespace ca::test
