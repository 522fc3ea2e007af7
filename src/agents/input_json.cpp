#include "agents/input_json.hpp"

#include <boost/json/parse.hpp>

namespace ca::agents {
namespace bj = boost::json;
namespace {

// Stored JSON columns are trusted to be objects; anything else reads as {}.
bj::value object_or_empty(const std::string& text) {
  std::error_code ec;
  bj::value v = bj::parse(text, ec);
  if (ec || !v.is_object()) return bj::object{};
  return v;
}

bj::value optional_string(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return bj::value(*s);
}

}  // namespace

bj::object event_json(const Event& e) {
  return {{"id", e.id},
          {"type", e.type},
          {"source", e.source},
          {"occurred_at", format_rfc3339(e.occurred_at)},
          {"payload", object_or_empty(e.payload_json)}};
}

bj::object context_json(const ConsumerContext& c, const context::Metrics* metrics) {
  return {
      {"stage", to_string(c.stage)},
      {"lead_score", c.lead_score},
      {"last_seen_at",
       c.last_seen_at ? bj::value(format_rfc3339(*c.last_seen_at)) : bj::value(nullptr)},
      {"metrics", c.metrics_json.empty() && metrics != nullptr ? context::metrics_object(*metrics)
                                                               : object_or_empty(c.metrics_json)},
      {"attributes", object_or_empty(c.attributes_json)}};
}

bj::value consumer_json(const Consumer* c) {
  if (c == nullptr) return nullptr;
  return bj::object{{"id", c->id},
                    {"name", optional_string(c->name)},
                    {"email", optional_string(c->email)},
                    {"whatsapp", optional_string(c->whatsapp)},
                    {"external_id", optional_string(c->external_id)},
                    {"timezone", optional_string(c->timezone)}};
}

bj::object input_json(const AgentInput& in) {
  return {{"event", event_json(in.event)},
          {"before", context_json(in.before, in.before_metrics)},
          {"after", context_json(in.after, in.after_metrics)},
          {"consumer", consumer_json(in.consumer)},
          {"creator", bj::object{{"id", in.creator.id}, {"name", in.creator.name}}}};
}

}  // namespace ca::agents
