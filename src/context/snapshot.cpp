#include "context/snapshot.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace ca::context {

namespace bj = boost::json;

namespace {

bj::value parse_or_empty(const std::string& text) {
  boost::system::error_code ec;
  bj::value v = bj::parse(text, ec);
  return ec ? bj::value(bj::object{}) : v;
}

std::string text_of(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string())
                                                  : std::string();
}

}  // namespace

std::string to_snapshot(const ConsumerContext& ctx) { return bj::serialize(snapshot_object(ctx)); }

namespace {

bj::object snapshot_with(const ConsumerContext& ctx, bj::value metrics) {
  bj::object o;
  o["consumer_id"] = ctx.consumer_id;
  o["creator_id"] = ctx.creator_id;
  o["stage"] = to_string(ctx.stage);
  o["lead_score"] = ctx.lead_score;
  o["last_seen_at"] =
      ctx.last_seen_at ? bj::value(to_micros(*ctx.last_seen_at)) : bj::value(nullptr);
  o["metrics"] = std::move(metrics);
  o["attributes"] = parse_or_empty(ctx.attributes_json);
  o["updated_at"] = to_micros(ctx.updated_at);
  return o;
}

}  // namespace

bj::object snapshot_object(const ConsumerContext& ctx) {
  return snapshot_with(ctx, parse_or_empty(ctx.metrics_json));
}

bj::object snapshot_object(const ContextState& state) {
  return snapshot_with(state.context, metrics_object(state.metrics));
}

std::optional<ConsumerContext> from_snapshot(std::string_view json) {
  boost::system::error_code ec;
  bj::value v = bj::parse(json, ec);
  if (ec) return std::nullopt;
  return from_snapshot_value(v);
}

std::optional<ConsumerContext> from_snapshot_value(const bj::value& v) {
  if (!v.is_object()) return std::nullopt;
  const bj::object& o = v.as_object();
  ConsumerContext ctx;
  ctx.consumer_id = text_of(o, "consumer_id");
  ctx.creator_id = text_of(o, "creator_id");
  auto stage = parse_stage(text_of(o, "stage"));
  if (!stage) return std::nullopt;
  ctx.stage = *stage;
  if (auto it = o.find("lead_score"); it != o.end() && it->value().is_number()) {
    ctx.lead_score = it->value().to_number<double>();
  }
  if (auto it = o.find("last_seen_at"); it != o.end() && it->value().is_int64()) {
    ctx.last_seen_at = from_micros(it->value().as_int64());
  }
  if (auto it = o.find("metrics"); it != o.end() && it->value().is_object()) {
    ctx.metrics_json = bj::serialize(it->value());
  }
  if (auto it = o.find("attributes"); it != o.end() && it->value().is_object()) {
    ctx.attributes_json = bj::serialize(it->value());
  }
  if (auto it = o.find("updated_at"); it != o.end() && it->value().is_int64()) {
    ctx.updated_at = from_micros(it->value().as_int64());
  }
  return ctx;
}

}  // namespace ca::context
