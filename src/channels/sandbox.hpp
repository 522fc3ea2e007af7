// The default channel when no provider is configured: records the exact message through
// an OutboxWriter (GET /outbox shows it) and sends nothing. Accepted with the outbox id
// as the provider message id.
#pragma once

#include <memory>

#include "channels/channel.hpp"

namespace ca::channels {

// `outbox` is not owned and must outlive the channel.
std::unique_ptr<MessageChannel> make_sandbox_channel(OutboxWriter& outbox);

}  // namespace ca::channels
