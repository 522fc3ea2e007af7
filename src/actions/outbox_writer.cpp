#include "actions/outbox_writer.hpp"

#include "store/delivery_repo.hpp"

namespace ca::actions {

Result<std::string> StoreOutboxWriter::record(const channels::OutboundMessage& message) {
  store::OutboxMessage m;
  m.id = ids_.next();
  m.creator_id = message.creator_id;
  m.action_id = message.action_id;
  if (!message.consumer_id.empty()) m.consumer_id = message.consumer_id;
  m.channel = message.channel;
  m.recipient = message.to;
  if (!message.subject.empty()) m.subject = message.subject;
  m.body = message.text;
  m.content_sid = message.content_sid;
  if (message.content_sid) m.content_variables_json = message.content_variables_json;
  m.created_at = clock_.now();
  return store::in_tx(store_, store::TxMode::write,
                      [&](store::Tx& tx) { return tx.delivery().record_outbox(m); });
}

}  // namespace ca::actions
