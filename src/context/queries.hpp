// Small questions agents and policies ask of a context. Pure; `before` means the context
// as it was before the event being handled (apply_event's input), which is what makes
// "returning after 24 h" answerable.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "context/metrics.hpp"
#include "domain/entities.hpp"
#include "domain/time.hpp"

namespace ca::context {

// How long the consumer had been away at `at`: nullopt if never seen before; zero when `at`
// is not later than last_seen_at (a late event is not a return).
std::optional<std::chrono::microseconds> time_since_last_seen(const ConsumerContext& before,
                                                              Timestamp at);
// Seen before, and away for at least `gap` at `at` (e.g. the 24 h return-visit rule).
bool is_return_after(const ConsumerContext& before, Timestamp at, std::chrono::microseconds gap);

// Booked or paid for this service (and not cancelled an unpaid booking since).
bool enrolled_in(const Metrics& m, std::string_view service_id);
// Paid for this service.
bool purchased(const Metrics& m, std::string_view service_id);
// Clicked this service at least once.
bool clicked(const Metrics& m, std::string_view service_id);
// Clicks on this service (0 if never, or if it arrived after the map was full).
std::int64_t clicks_on(const Metrics& m, std::string_view service_id);

// The latest inbound message on a channel (whatsapp_message_received / email_replied).
std::optional<Timestamp> last_inbound_at(const Metrics& m, Channel channel);
// WhatsApp allows free-form messages within 24 h of the consumer's last message.
inline constexpr std::chrono::hours kWhatsappWindow{24};
bool whatsapp_window_open(const Metrics& m, Timestamp now);

}  // namespace ca::context
