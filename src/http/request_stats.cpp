#include "http/request_stats.hpp"

#include <fmt/format.h>

namespace ca::http {

void RequestStats::record(int status, double ms) {
  const int cls = status >= 100 && status <= 599 ? status / 100 : 0;
  by_class_[static_cast<std::size_t>(cls)].fetch_add(1, std::memory_order_relaxed);
  std::size_t b = 0;
  while (b < kBucketsMs.size() && ms > kBucketsMs[b]) ++b;
  buckets_[b].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<std::uint64_t>(ms * 1000.0), std::memory_order_relaxed);
}

std::string RequestStats::prometheus() const {
  std::string out =
      "# HELP ca_http_requests_total HTTP requests answered, by status class.\n"
      "# TYPE ca_http_requests_total counter\n";
  static constexpr std::array<const char*, 6> kClass{"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
  for (std::size_t i = 0; i < by_class_.size(); ++i) {
    out += fmt::format("ca_http_requests_total{{class=\"{}\"}} {}\n", kClass[i],
                       by_class_[i].load(std::memory_order_relaxed));
  }
  out +=
      "# HELP ca_http_request_duration_seconds Time from the first byte to the response.\n"
      "# TYPE ca_http_request_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < buckets_.size(); ++b) {
    cumulative += buckets_[b].load(std::memory_order_relaxed);
    std::string le = b < kBucketsMs.size() ? fmt::format("{}", kBucketsMs[b] / 1000.0) : "+Inf";
    out += fmt::format("ca_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", le, cumulative);
  }
  out += fmt::format("ca_http_request_duration_seconds_sum {}\n",
                     static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6);
  out += fmt::format("ca_http_request_duration_seconds_count {}\n", cumulative);
  return out;
}

RequestStats& request_stats() {
  static RequestStats stats;
  return stats;
}

}  // namespace ca::http
