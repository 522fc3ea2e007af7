#pragma once

#include "store/delivery_repo.hpp"
#include "store/sql.hpp"

namespace ca::store {

class SqlDeliveryRepo final : public DeliveryRepo {
 public:
  explicit SqlDeliveryRepo(SqlSession& s) : s_(s) {}
  Result<bool> transition(const Tenant& t, const std::string& action_id,
                          const std::vector<std::string>& from, const ActionChange& change,
                          Timestamp at) override;
  Result<ActionSendState> send_state(const std::string& action_id) override;
  Result<std::vector<Timestamp>> counted_history(const Action& evaluated, Timestamp since) override;
  Result<std::optional<Timestamp>> converted_at(const std::string& consumer_id) override;
  Result<std::vector<std::string>> cancel_pending(const std::string& consumer_id, Channel channel,
                                                  Timestamp at) override;
  Result<void> insert_attempt(const ActionAttempt& a) override;
  Result<void> finish_attempt(const std::string& attempt_id, const std::string& outcome,
                              const std::optional<std::string>& provider_message_id,
                              const std::optional<std::string>& provider_status,
                              const std::optional<std::string>& error, Timestamp at) override;
  Result<std::vector<ActionAttempt>> attempts(const std::string& action_id) override;
  Result<std::optional<std::string>> action_for_provider_id(
      const std::string& provider_message_id) override;
  Result<void> reconcile_unknown(const std::string& action_id,
                                 const std::string& provider_message_id,
                                 const std::string& provider_status, Timestamp at) override;
  Result<std::string> record_outbox(const OutboxMessage& m) override;
  Result<Page<OutboxMessage>> list_outbox(const Tenant& t, const PageRequest& page) override;
  Result<void> suppress(const Suppression& s) override;
  Result<std::optional<Suppression>> suppression(const std::string& consumer_id,
                                                 Channel channel) override;
  Result<std::vector<Consumer>> consumers_by_whatsapp(const std::string& e164) override;
  Result<std::vector<std::string>> consumers_messaged_on_whatsapp(
      const std::vector<std::string>& consumer_ids) override;

 private:
  SqlSession& s_;
};

}  // namespace ca::store
