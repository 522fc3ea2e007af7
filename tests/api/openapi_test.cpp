// docs/openapi.yaml and the routes the service registers must agree, both ways.
#include <gtest/gtest.h>
#include <boost/json/object.hpp>

#include <set>
#include <sstream>

#include "api/api.hpp"
#include "auth/authenticator.hpp"
#include "support/test_db.hpp"

namespace ca::api {
extern const char* const kOpenApiYaml;
}

namespace ca::test {
namespace {

using Op = std::pair<std::string, std::string>;  // method (lowercase), path pattern

// Reads `paths:` of the document: a path is "  /x/{id}:", its operations "    get:".
std::set<Op> documented_operations() {
  std::set<Op> ops;
  std::istringstream in(api::kOpenApiYaml);
  std::string line, path;
  bool in_paths = false;
  while (std::getline(in, line)) {
    if (line == "paths:") {
      in_paths = true;
      continue;
    }
    if (!in_paths) continue;
    if (!line.empty() && line[0] != ' ') break;  // next top-level key
    if (line.rfind("  /", 0) == 0 && line.back() == ':') {
      path = line.substr(2, line.size() - 3);
    } else if (line.rfind("    ", 0) == 0 && line.size() > 4 && line[4] != ' ') {
      std::string key = line.substr(4, line.find(':') - 4);
      if (key == "get" || key == "post" || key == "patch" || key == "put" || key == "delete")
        ops.insert({key, path});
    }
  }
  return ops;
}

std::string method_name(http::Method m) {
  switch (m) {
    case http::Method::get: return "get";
    case http::Method::post: return "post";
    case http::Method::patch: return "patch";
    case http::Method::put: return "put";
    case http::Method::del: return "delete";
    default: return "other";
  }
}

TEST(OpenApi, EveryRouteIsDocumentedAndEveryDocumentedRouteExists) {
  TestDatabase db;
  auto store = store::open_store(store::StoreConfig{db.url(), 2, 5000});
  ASSERT_TRUE(store.ok()) << store.error().message;
  SystemClock clock;
  SecureRandom random;
  IdGenerator ids(clock, random);
  auth::Authenticator authn(**store, clock, "");
  ingest::IngestService ingest(**store, clock, ids);
  api::ApiDeps deps{**store, authn, clock, ids, random, ingest};
  http::Router router;
  api::register_routes(router, deps);

  std::set<Op> served;
  for (const auto& r : router.routes()) served.insert({method_name(r->method), r->pattern});
  std::set<Op> documented = documented_operations();
  ASSERT_GT(documented.size(), 10u) << "the document did not parse";
  for (const auto& op : served)
    EXPECT_TRUE(documented.count(op)) << "undocumented: " << op.first << " " << op.second;
  for (const auto& op : documented)
    EXPECT_TRUE(served.count(op)) << "not served: " << op.first << " " << op.second;
}

}  // namespace
}  // namespace ca::test
