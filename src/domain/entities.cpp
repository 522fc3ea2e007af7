#include "domain/entities.hpp"

namespace ca {

const char* to_string(Channel c) {
  switch (c) {
    case Channel::whatsapp: return "whatsapp";
    case Channel::email: return "email";
    case Channel::sms: return "sms";
  }
  return "whatsapp";
}

std::optional<Channel> parse_channel(std::string_view s) {
  if (s == "whatsapp") return Channel::whatsapp;
  if (s == "email") return Channel::email;
  if (s == "sms") return Channel::sms;
  return std::nullopt;
}

const char* to_string(Stage s) {
  switch (s) {
    case Stage::new_: return "new";
    case Stage::interested: return "interested";
    case Stage::engaged: return "engaged";
    case Stage::converted: return "converted";
    case Stage::churned: return "churned";
  }
  return "new";
}

std::optional<Stage> parse_stage(std::string_view s) {
  if (s == "new") return Stage::new_;
  if (s == "interested") return Stage::interested;
  if (s == "engaged") return Stage::engaged;
  if (s == "converted") return Stage::converted;
  if (s == "churned") return Stage::churned;
  return std::nullopt;
}

}  // namespace ca
