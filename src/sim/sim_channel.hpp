// The simulator's provider: the sandbox (the message is recorded in the outbox) with a
// deterministic share of refusals and transient failures, as real providers have.
#pragma once

#include <memory>

#include "channels/channel.hpp"

namespace ca::sim {

// `sandbox` is not owned. About 2% of messages fail for good (invalid number) and about
// 3% fail once transiently (the scheduler retries them), chosen by a hash of the action id.
std::unique_ptr<channels::MessageChannel> make_sim_channel(channels::MessageChannel& sandbox);

}  // namespace ca::sim
