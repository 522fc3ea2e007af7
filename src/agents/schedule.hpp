// When and over which channel a planned message goes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "domain/entities.hpp"
#include "domain/time.hpp"

namespace ca::agents {

// "auto": WhatsApp when the consumer has a number, else email. "whatsapp"/"email": that
// channel when the consumer has the contact, else the other one.
enum class ChannelPreference { automatic, whatsapp, email };

std::optional<ChannelPreference> parse_channel_preference(std::string_view text);

// Null when the consumer is unknown or has neither contact.
std::optional<Channel> choose_channel(const Consumer* consumer, ChannelPreference pref);

// Delays count from the decision time, not the event time: a late event is not a reason
// to send in the past.
inline Timestamp send_at_after(Timestamp now, std::chrono::minutes delay) { return now + delay; }

inline constexpr std::int64_t kMaxDelayMinutes = std::int64_t{60} * 24 * 30;  // 30 days

}  // namespace ca::agents
