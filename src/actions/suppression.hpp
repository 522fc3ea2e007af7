// Delivery suppression: an address a provider refused for good is not messaged again.
// The refusal is recorded where the send's outcome or the provider's status callback is
// recorded (same transaction); send-time policy then skips the address as `suppressed`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/entities.hpp"
#include "domain/result.hpp"
#include "domain/time.hpp"

namespace ca::store {
class Tx;
}

namespace ca::actions {

// The consumer's address on the channel (WhatsApp number or email), if any.
std::optional<std::string> contact_for(const Consumer& c, Channel ch);

// What a suppression names instead of the address: SHA-256 of it, email addresses
// compared without case.
std::string address_hash(Channel ch, std::string_view address);

// Suppresses `address` of the action's consumer on the action's channel. `reason` is ours,
// e.g. "smtp reply 550".
Result<void> suppress_address(store::Tx& tx, const Action& a, const std::string& address,
                              const std::string& reason, Timestamp at);
// The same for the consumer's current address (a status callback does not say which
// address the message went to); nothing when the consumer is erased or has none.
Result<void> suppress_current_address(store::Tx& tx, const Action& a, const std::string& reason,
                                      Timestamp at);

// The reason the address is suppressed, when it is (a suppression of an earlier address
// of the consumer does not count).
Result<std::optional<std::string>> suppressed_because(store::Tx& tx, const std::string& consumer_id,
                                                      Channel ch, const std::string& address);

}  // namespace ca::actions
