#include "agents/personalize.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "agents/compose.hpp"
#include "messaging/composer.hpp"

namespace ca::agents {

namespace bj = boost::json;

namespace {

std::string first_name(const Consumer* c) {
  if (c == nullptr || !c->name) return {};
  const std::string& n = *c->name;
  return n.substr(0, n.find(' '));
}

bj::object parse_object_or_empty(const std::string& text) {
  boost::system::error_code ec;
  bj::value v = bj::parse(text, ec);
  return !ec && v.is_object() ? v.as_object() : bj::object{};
}

}  // namespace

std::string profile_text_of(const std::string& profile_json) {
  const bj::object o = parse_object_or_empty(profile_json);
  std::string out;
  for (const char* key : {"llm_summary", "sales_pitch"}) {
    if (const auto* v = o.if_contains(key); v != nullptr && v->is_string()) {
      if (!out.empty()) out += "\n\n";
      out += std::string(v->as_string());
    }
  }
  return out;
}

void personalize(llm::LlmClient& llm, const PersonalizeInput& in, Decision& decision) {
  for (auto& p : decision.actions) {
    bj::object meta = parse_object_or_empty(p.metadata_json);
    messaging::ComposeInput ci;
    ci.creator_name = in.creator.name;
    ci.profile_text = in.profile_text;
    ci.consumer_first_name = first_name(in.consumer);
    if (const auto* id = meta.if_contains("service_id"); id != nullptr && id->is_string()) {
      if (const Product* s = find_product_by_id(in.products, id->as_string())) ci.service = *s;
    }
    ci.channel = p.channel;
    ci.trigger_reason = decision.reason;
    ci.offline_text = p.message;
    ci.extra_facts = messaging::facts_from_products(in.products);
    const messaging::ComposedMessage m = messaging::compose(&llm, ci);
    if (m.fell_back) {
      spdlog::warn("message for {} kept the agent's text: {}",
                   in.consumer != nullptr ? in.consumer->id : std::string("-"), m.fallback_reason);
    }
    p.message = m.text;
    meta["composed_by"] = m.generated_by;
    meta["fell_back"] = m.fell_back;
    if (m.fell_back) meta["fallback_reason"] = m.fallback_reason;
    p.metadata_json = bj::serialize(meta);
  }
}

}  // namespace ca::agents
