#include "sim/report.hpp"

#include <fmt/format.h>

#include "domain/money.hpp"

namespace ca::sim {

namespace {

double rate(std::int64_t part, std::int64_t whole) {
  return whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

void line(std::string& out, std::string_view label, std::int64_t n) {
  out += fmt::format("  {:<44}{:>10}\n", label, n);
}

}  // namespace

std::string format_report(const SimOptions& o, const SimResult& r, double wall_seconds) {
  const auto& s = r.summary;
  const auto& c = r.counters;
  std::string out;
  out += fmt::format("simulation: {} consumers x {} days, seed {}, {} creators, database {}\n",
                     o.consumers, o.days, o.seed, r.creators, r.database_url);
  out += fmt::format("  {:<44}{:>10.1f}\n", "wall time (s)", wall_seconds);

  out += "\nevents\n";
  line(out, "stored", s.events);
  for (const auto& [type, n] : s.events_by_type) line(out, "  " + type, n);
  line(out, "STOP keywords (consent revoked)", c.stops);
  line(out, "consumers", c.consumers_created);

  out += "\ninvocations\n";
  line(out, "total", s.invocations);
  for (const auto& [status, n] : s.invocations_by_status) line(out, "  " + status, n);
  line(out, "decided at ingest", c.decided_at_ingest);
  line(out, "jobs run", c.jobs_run);
  line(out, "job attempts failed (retried)", c.jobs_failed);

  out += "\nmessages by channel and status\n";
  for (const auto& [channel, statuses] : s.messages_by_channel) {
    for (const auto& [status, n] : statuses) line(out, fmt::format("{} {}", channel, status), n);
  }
  out += "\nskips by reason\n";
  if (s.skips_by_reason.empty()) out += "  (none)\n";
  for (const auto& [reason, n] : s.skips_by_reason) line(out, reason, n);

  out += "\nconversions (payment_success)\n";
  line(out, "payments", s.conversions);
  line(out, "converted consumers", s.converted_consumers);
  const std::int64_t messaged = s.messaged_consumers;
  const std::int64_t unmessaged = c.consumers_created - messaged;
  const std::int64_t conv_messaged = s.converted_consumers_messaged;
  const std::int64_t conv_unmessaged = s.converted_consumers - conv_messaged;
  out += fmt::format("  {:<44}{:>10}  ({:.1f}% of {})\n", "converted after a message (7 d window)",
                     conv_messaged, rate(conv_messaged, messaged), messaged);
  out += fmt::format("  {:<44}{:>10}  ({:.1f}% of {})\n", "converted without one", conv_unmessaged,
                     rate(conv_unmessaged, unmessaged), unmessaged);
  for (const auto& [currency, minor] : s.revenue_minor) {
    out += fmt::format("  {:<44}{:>10}\n", "revenue " + currency, display(Money{minor, currency}));
  }

  const auto& inv = r.invariants;
  out += fmt::format("\ninvariants (must all be 0; {} messages checked)\n", inv.messages_checked);
  line(out, "messages to opted-out consumers", inv.sent_to_opted_out);
  line(out, "messages inside quiet hours", inv.sent_in_quiet_hours);
  line(out, "caps exceeded", inv.caps_exceeded);
  line(out, "duplicate sends", inv.duplicate_sends);
  line(out, "WhatsApp free-form outside the 24 h window", inv.whatsapp_outside_window);
  line(out, "lost events", inv.lost_events);
  for (const auto& e : inv.examples) out += "    " + e + "\n";
  out += inv.ok() ? "\nOK: every invariant holds\n" : "\nFAILED: invariants broken\n";
  return out;
}

}  // namespace ca::sim
