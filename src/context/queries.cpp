#include "context/queries.hpp"

namespace ca::context {

std::optional<std::chrono::microseconds> time_since_last_seen(const ConsumerContext& before,
                                                              Timestamp at) {
  if (!before.last_seen_at) return std::nullopt;
  if (at <= *before.last_seen_at) return std::chrono::microseconds{0};
  return at - *before.last_seen_at;
}

bool is_return_after(const ConsumerContext& before, Timestamp at, std::chrono::microseconds gap) {
  auto away = time_since_last_seen(before, at);
  return away && *away >= gap && *away > std::chrono::microseconds{0};
}

bool enrolled_in(const Metrics& m, std::string_view service_id) {
  return m.enrolled_services.contains(service_id);
}

bool purchased(const Metrics& m, std::string_view service_id) {
  return m.purchased_services.contains(service_id);
}

bool clicked(const Metrics& m, std::string_view service_id) { return clicks_on(m, service_id) > 0; }

std::int64_t clicks_on(const Metrics& m, std::string_view service_id) {
  auto it = m.services_clicked.find(service_id);
  return it == m.services_clicked.end() ? 0 : it->second;
}

std::optional<Timestamp> last_inbound_at(const Metrics& m, Channel channel) {
  auto it = m.last_inbound_at.find(channel);
  if (it == m.last_inbound_at.end()) return std::nullopt;
  return it->second;
}

bool whatsapp_window_open(const Metrics& m, Timestamp now) {
  auto last = last_inbound_at(m, Channel::whatsapp);
  return last && now < *last + kWhatsappWindow;
}

}  // namespace ca::context
