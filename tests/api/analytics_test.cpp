// GET /analytics/summary through HTTP, per backend: tenancy (a creator sees its own
// numbers, an admin all or one creator's), the funnel, events, conversions and revenue,
// the series buckets, and field-named 400s for bad parameters.
#include <chrono>

#include "api_fixture.hpp"
#include "domain/time.hpp"

namespace ca::test {
namespace {

class AnalyticsApiTest : public ApiTest {
 protected:
  void post_event(const std::string& key, const std::string& external_id, const std::string& type,
                  const std::string& payload = "{}") {
    auto r = client_->post("/events",
                           R"({"consumer":{"external_id":")" + external_id + R"("},"type":")" +
                               type + R"(","source":"api","payload":)" + payload + "}",
                           key);
    ASSERT_EQ(r.status, 202) << r.body;
  }

  boost::json::object summary(const std::string& query, const std::string& key) {
    auto r = client_->get("/analytics/summary" + query, key);
    EXPECT_EQ(r.status, 200) << r.body;
    return obj(r);
  }

  static std::int64_t num(const boost::json::object& o, std::initializer_list<const char*> path) {
    const boost::json::value* v = nullptr;
    const boost::json::object* cur = &o;
    for (const char* p : path) {
      v = cur->if_contains(p);
      if (v == nullptr) return -1;
      if (v->is_object()) cur = &v->as_object();
    }
    return v->is_int64() ? v->as_int64() : -1;
  }

  static std::int64_t stage(const boost::json::object& o, const std::string& name) {
    for (const auto& s : o.at("funnel").as_array()) {
      if (s.as_object().at("stage").as_string() == name)
        return s.as_object().at("consumers").as_int64();
    }
    return -1;
  }

  static std::string rfc(std::chrono::system_clock::time_point t) {
    return format_rfc3339(std::chrono::time_point_cast<std::chrono::microseconds>(t));
  }
};

TEST_F(AnalyticsApiTest, CreatorSeesOwnNumbersAdminSeesAllOrOne) {
  const std::string a = create_creator("alpha");
  const std::string b = create_creator("beta");
  const std::string ka = creator_key(a);
  const std::string kb = creator_key(b);
  post_event(ka, "a1", "page_view");
  post_event(ka, "a1", "service_click", R"({"service_id":"s1"})");
  post_event(ka, "a1", "payment_success",
             R"({"service_id":"s1","amount_minor":499900,"currency":"INR"})");
  post_event(ka, "a2", "page_view");
  post_event(kb, "b1", "page_view");
  post_event(kb, "b1", "payment_failed", R"({"amount_minor":100,"currency":"INR"})");

  auto sa = summary("", ka);
  EXPECT_EQ(sa.at("creator_id").as_string(), a);
  EXPECT_EQ(num(sa, {"events", "total"}), 4);
  EXPECT_EQ(num(sa, {"events", "by_type", "page_view"}), 2);
  EXPECT_EQ(num(sa, {"events", "by_type", "payment_success"}), 1);
  EXPECT_EQ(num(sa, {"conversions", "total"}), 1);
  EXPECT_EQ(num(sa, {"conversions", "consumers"}), 1);
  EXPECT_EQ(num(sa, {"conversions", "attributed"}), 0);  // no message was sent
  const auto& revenue = sa.at("conversions").as_object().at("revenue").as_array();
  ASSERT_EQ(revenue.size(), 1U);
  EXPECT_EQ(revenue[0].as_object().at("amount_minor").as_int64(), 499900);
  EXPECT_EQ(revenue[0].as_object().at("currency").as_string(), "INR");
  EXPECT_EQ(revenue[0].as_object().at("display").as_string(), "₹4,999");
  EXPECT_EQ(stage(sa, "converted"), 1);
  EXPECT_EQ(stage(sa, "converted") + stage(sa, "new") + stage(sa, "interested") +
                stage(sa, "engaged") + stage(sa, "churned"),
            2);

  auto sb = summary("", kb);
  EXPECT_EQ(num(sb, {"events", "total"}), 2);
  EXPECT_EQ(num(sb, {"conversions", "total"}), 0);
  EXPECT_TRUE(sb.at("conversions").as_object().at("revenue").as_array().empty());

  auto all = summary("", kAdminKey);
  EXPECT_TRUE(all.at("creator_id").is_null());
  EXPECT_EQ(num(all, {"events", "total"}), 6);
  auto only_b = summary("?creator_id=" + b, kAdminKey);
  EXPECT_EQ(num(only_b, {"events", "total"}), 2);
  EXPECT_EQ(only_b.at("creator_id").as_string(), b);

  // Another creator's id reads as not found; the creator's own id is fine.
  expect_error(client_->get("/analytics/summary?creator_id=" + b, ka), 404, "not_found");
  EXPECT_EQ(num(summary("?creator_id=" + a, ka), {"events", "total"}), 4);
  expect_error(
      client_->get("/analytics/summary?creator_id=00000000-0000-7000-8000-000000000000", kAdminKey),
      404, "not_found");
}

TEST_F(AnalyticsApiTest, RangeSelectsEventsAndSetsHourlySeries) {
  const std::string a = create_creator("gamma");
  const std::string ka = creator_key(a);
  post_event(ka, "g1", "page_view");
  post_event(ka, "g1", "page_view");
  const auto now = std::chrono::system_clock::now();
  const std::string q =
      "?from=" + rfc(now - std::chrono::hours(24)) + "&to=" + rfc(now + std::chrono::hours(24));
  auto s = summary(q, ka);
  const auto& series = s.at("series").as_object();
  EXPECT_EQ(series.at("bucket").as_string(), "hour");
  const auto& points = series.at("points").as_array();
  ASSERT_EQ(points.size(), 48U);
  std::int64_t sum = 0;
  for (const auto& p : points) sum += p.as_object().at("events").as_int64();
  EXPECT_EQ(sum, 2);
  // The events fall in the hour bucket containing now: index 24 (or 23/25 at the edge).
  EXPECT_EQ(points[24].as_object().at("events").as_int64() +
                points[23].as_object().at("events").as_int64(),
            2);

  // A range before the events sees none of them; a 60-day range is daily.
  auto before = summary("?from=2020-01-01T00:00:00Z&to=2020-01-10T00:00:00Z", ka);
  EXPECT_EQ(num(before, {"events", "total"}), 0);
  EXPECT_EQ(before.at("series").as_object().at("bucket").as_string(), "day");
  EXPECT_EQ(before.at("series").as_object().at("points").as_array().size(), 9U);
}

TEST_F(AnalyticsApiTest, BadParametersAreFieldNamed400s) {
  const std::string a = create_creator("delta");
  const std::string ka = creator_key(a);
  expect_error(client_->get("/analytics/summary?from=yesterday", ka), 400, "invalid_argument",
               "from");
  expect_error(client_->get("/analytics/summary?to=2026-13-01T00:00:00Z", ka), 400,
               "invalid_argument", "to");
  expect_error(
      client_->get("/analytics/summary?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", ka), 400,
      "invalid_argument", "from");
  expect_error(
      client_->get("/analytics/summary?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", ka), 400,
      "invalid_argument", "from");
  expect_error(client_->get("/analytics/summary?creator_id=nope", kAdminKey), 400,
               "invalid_argument", "creator_id");
  EXPECT_EQ(client_->get("/analytics/summary").status, 401);
  EXPECT_EQ(client_->get("/analytics/summary", "not-a-key").status, 401);
}

}  // namespace
}  // namespace ca::test
