#include "channels/sandbox.hpp"

namespace ca::channels {
namespace {

class SandboxChannel final : public MessageChannel {
 public:
  explicit SandboxChannel(OutboxWriter& outbox) : outbox_(outbox) {}
  std::string_view name() const override { return "sandbox"; }

  SendResult send(const OutboundMessage& message) override {
    SendResult r;
    if (message.to.empty()) {
      r.outcome = SendOutcome::failed;
      r.error = "no recipient";
      return r;
    }
    auto id = outbox_.record(message);
    if (!id) {
      // Nothing was recorded: the database was busy or down. Trying again is safe.
      r.outcome = SendOutcome::retryable;
      r.error = id.error().message;
      return r;
    }
    r.outcome = SendOutcome::accepted;
    r.provider_message_id = *id;
    r.provider_status = "recorded";
    return r;
  }

 private:
  OutboxWriter& outbox_;
};

}  // namespace

std::unique_ptr<MessageChannel> make_sandbox_channel(OutboxWriter& outbox) {
  return std::make_unique<SandboxChannel>(outbox);
}

}  // namespace ca::channels
