// Erasure: what "events keep no PII" means for a JSON payload. Values under personal keys
// (names, contact details, free text a person wrote, network identifiers) and any string
// that looks like an email address or phone number become "[erased]"; the rest (service
// ids, amounts, currencies, timestamps) stays so analytics still add up.
#pragma once

#include <string>
#include <string_view>

namespace ca {

inline constexpr std::string_view kErased = "[erased]";

// JSON text in, JSON text out. Not an object (or not JSON at all) → "{}".
std::string scrub_personal_data(std::string_view payload_json);

}  // namespace ca
