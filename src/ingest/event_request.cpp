#include "ingest/event_request.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <vector>

#include "domain/digest.hpp"
#include "domain/ids.hpp"
#include "domain/json_codec.hpp"
#include "domain/validation.hpp"

namespace ca::ingest {

namespace bj = boost::json;
using json::Need;

namespace {

bool is_key_text(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':';
  });
}

void canonical_into(const bj::value& v, std::string& out) {
  if (v.is_object()) {
    std::vector<std::pair<std::string_view, const bj::value*>> kv;
    for (const auto& e : v.as_object()) kv.emplace_back(e.key(), &e.value());
    std::sort(kv.begin(), kv.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    out += '{';
    for (size_t i = 0; i < kv.size(); ++i) {
      if (i > 0) out += ',';
      out += bj::serialize(bj::string_view(kv[i].first.data(), kv[i].first.size()));
      out += ':';
      canonical_into(*kv[i].second, out);
    }
    out += '}';
  } else if (v.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& e : v.as_array()) {
      if (!first) out += ',';
      first = false;
      canonical_into(e, out);
    }
    out += ']';
  } else {
    out += bj::serialize(v);
  }
}

void read_consumer(json::FieldReader& r, const bj::object* obj, ConsumerRef& ref) {
  if (!obj) return;
  json::FieldReader c(*obj, r.path("consumer"));
  c.reject_unknown({"external_id", "email", "whatsapp", "name", "timezone"});
  ref.external_id = c.string("external_id", Need::optional, 128);
  ref.email = c.string("email", Need::optional, 254);
  if (ref.email) {
    if (!is_email(*ref.email)) c.fail("email", c.path("email") + " must be an email address");
    ref.email = normalize_email(std::move(*ref.email));
  }
  ref.whatsapp = c.string("whatsapp", Need::optional, 16);
  if (ref.whatsapp && !is_e164(*ref.whatsapp)) {
    c.fail("whatsapp", c.path("whatsapp") + " must be an E.164 number like +919812345678");
  }
  ref.name = c.string("name", Need::optional, 200);
  ref.timezone = c.string("timezone", Need::optional, 64);
  if (ref.timezone && !is_timezone(*ref.timezone)) {
    c.fail("timezone", c.path("timezone") + " must be an IANA zone such as Asia/Kolkata");
  }
  if (c.ok() && !ref.external_id && !ref.email && !ref.whatsapp) {
    c.fail("external_id", r.path("consumer") + " needs external_id, email or whatsapp");
  }
  if (!c.ok()) r.adopt(c.error());
}

}  // namespace

bool is_valid_event_type(std::string_view t) {
  if (t.empty() || t.size() > 64 || t[0] < 'a' || t[0] > 'z') return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string canonical_json(const bj::value& v) {
  std::string out;
  canonical_into(v, out);
  return out;
}

Result<EventRequest> decode_event(const bj::object& body,
                                  const std::optional<std::string>& header_key,
                                  const std::string& field_prefix) {
  json::FieldReader r(body, field_prefix);
  r.reject_unknown(
      {"id", "creator_id", "consumer_id", "consumer", "type", "source", "timestamp", "payload"});
  EventRequest e;

  auto id = r.string("id", Need::optional, 128);
  if (id && !is_key_text(*id)) {
    r.fail("id", r.path("id") + " must be 1-128 letters, digits or _ - . :");
  }
  if (header_key && !is_key_text(*header_key)) {
    r.fail("id", "Idempotency-Key must be 1-128 letters, digits or _ - . :");
  }
  if (id && header_key && *id != *header_key) {
    r.fail("id",
           r.path("id") + " and the Idempotency-Key header differ; send one or make them equal");
  }
  e.idempotency_key = id ? id : header_key;
  e.key_is_event_id = e.idempotency_key && is_uuid(*e.idempotency_key);

  e.creator_id = r.string("creator_id", Need::optional, 36);
  e.consumer.id = r.string("consumer_id", Need::optional, 36);
  const bj::object* consumer = r.object("consumer", Need::optional);
  if (e.consumer.id && consumer) {
    r.fail("consumer", r.path("consumer") + " and consumer_id are exclusive; send one");
  }
  read_consumer(r, consumer, e.consumer);

  if (auto type = r.string("type", Need::required, 64)) {
    if (!is_valid_event_type(*type)) {
      r.fail("type", r.path("type") +
                         " must be a known type (page_view, service_click, ...) or match "
                         "^[a-z][a-z0-9_]{0,63}$");
    }
    e.type = *type;
  }
  if (auto source = r.string("source", Need::optional, 16)) {
    if (*source != "api" && *source != "webhook" && *source != "system" && *source != "agent") {
      r.fail("source", r.path("source") + " must be one of api, webhook, system, agent");
    }
    e.source = *source;
  }
  if (auto ts = r.string("timestamp", Need::optional, 40)) {
    e.occurred_at = parse_rfc3339(*ts);
    if (!e.occurred_at) {
      r.fail("timestamp", r.path("timestamp") + " must be RFC 3339, e.g. 2026-11-24T10:00:00Z");
    }
  }
  if (const bj::object* payload = r.object("payload", Need::optional)) {
    e.payload_json = bj::serialize(*payload);
    if (e.payload_json.size() > kMaxPayloadBytes) {
      r.fail("payload", r.path("payload") + " must be at most 64 KiB of JSON");
    }
  }
  if (!r.ok()) return r.error();

  // The fingerprint covers what the client said (not the key itself, not server time).
  // Only a keyed event can be replayed, so a keyless one needs none (and skips the copy,
  // the sort and the hash: a tenth of a batch's CPU).
  if (e.idempotency_key) {
    bj::object canon = body;
    canon.erase("id");
    e.fingerprint = sha256_hex(canonical_json(canon));
  }
  return e;
}

}  // namespace ca::ingest
