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

// What the platform knows at planning time that makes a channel usable (policy decides
// again at send time; this only avoids planning messages that policy would skip).
struct ChannelFacts {
  bool whatsapp_window_open = false;  // an inbound WhatsApp message within 24 h
  bool whatsapp_template = false;     // an approved template is configured
};

// "auto" prefers a channel the consumer consented to: WhatsApp when free-form text may go
// (window open) or a template is configured, else consented email, else consented WhatsApp;
// with no consent at all, choose_channel's order (policy then records no_consent).
// "whatsapp"/"email" behave as in choose_channel.
std::optional<Channel> choose_channel(const Consumer* consumer, ChannelPreference pref,
                                      const ChannelFacts& facts);

// Delays count from the decision time, not the event time: a late event is not a reason
// to send in the past.
inline Timestamp send_at_after(Timestamp now, std::chrono::minutes delay) { return now + delay; }

inline constexpr std::int64_t kMaxDelayMinutes = std::int64_t{60} * 24 * 30;  // 30 days

}  // namespace ca::agents
