#include "sim/sim_channel.hpp"

#include <cstdint>
#include <set>
#include <string>

namespace ca::sim {

namespace {

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

class SimChannel final : public channels::MessageChannel {
 public:
  explicit SimChannel(channels::MessageChannel& sandbox) : sandbox_(sandbox) {}
  std::string_view name() const override { return sandbox_.name(); }

  channels::SendResult send(const channels::OutboundMessage& m) override {
    const std::uint64_t roll = fnv1a(m.action_id) % 100;
    if (roll < 2) {
      channels::SendResult r;
      r.outcome = channels::SendOutcome::failed;
      r.error = "simulated: the provider refused the recipient";
      return r;
    }
    // Transient once: the retry of the same action goes through.
    if (roll < 5 && retried_.insert(m.action_id).second) {
      channels::SendResult r;
      r.outcome = channels::SendOutcome::retryable;
      r.error = "simulated: provider busy (503)";
      return r;
    }
    return sandbox_.send(m);
  }

 private:
  channels::MessageChannel& sandbox_;
  std::set<std::string> retried_;
};

}  // namespace

std::unique_ptr<channels::MessageChannel> make_sim_channel(channels::MessageChannel& sandbox) {
  return std::make_unique<SimChannel>(sandbox);
}

}  // namespace ca::sim
