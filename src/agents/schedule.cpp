#include "agents/schedule.hpp"

namespace ca::agents {

std::optional<ChannelPreference> parse_channel_preference(std::string_view text) {
  if (text == "auto") return ChannelPreference::automatic;
  if (text == "whatsapp") return ChannelPreference::whatsapp;
  if (text == "email") return ChannelPreference::email;
  return std::nullopt;
}

std::optional<Channel> choose_channel(const Consumer* consumer, ChannelPreference pref) {
  if (consumer == nullptr) return std::nullopt;
  const bool wa = consumer->whatsapp && !consumer->whatsapp->empty();
  const bool em = consumer->email && !consumer->email->empty();
  if (pref == ChannelPreference::email && em) return Channel::email;
  if (wa) return Channel::whatsapp;
  if (em) return Channel::email;
  return std::nullopt;
}

std::optional<Channel> choose_channel(const Consumer* consumer, ChannelPreference pref,
                                      const ChannelFacts& facts) {
  if (consumer == nullptr || pref != ChannelPreference::automatic) {
    return choose_channel(consumer, pref);
  }
  auto consented = [&](Channel ch) {
    const auto& contact = ch == Channel::email ? consumer->email : consumer->whatsapp;
    auto it = consumer->consent.find(ch);
    return contact && !contact->empty() && it != consumer->consent.end() && it->second.granted;
  };
  const bool wa = consented(Channel::whatsapp);
  if (wa && (facts.whatsapp_window_open || facts.whatsapp_template)) return Channel::whatsapp;
  if (consented(Channel::email)) return Channel::email;
  if (wa) return Channel::whatsapp;
  return choose_channel(consumer, pref);
}

}  // namespace ca::agents
