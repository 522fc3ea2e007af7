// Process-wide request counters for /metrics: by status class and a latency histogram.
// Lock-free (relaxed atomics); the server records every request it answers.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace ca::http {

class RequestStats {
 public:
  // Upper bounds of the latency buckets, in milliseconds (the last bucket is +Inf).
  static constexpr std::array<double, 10> kBucketsMs{1, 2.5, 5, 10, 25, 50, 100, 250, 1000, 5000};

  void record(int status, double ms);
  // Prometheus text: ca_http_requests_total{class="2xx"}, ca_http_request_duration_seconds.
  std::string prometheus() const;

 private:
  std::array<std::atomic<std::uint64_t>, 6> by_class_{};  // index status / 100 (0 = other)
  std::array<std::atomic<std::uint64_t>, kBucketsMs.size() + 1> buckets_{};
  std::atomic<std::uint64_t> sum_us_{0};
};

// The one instance of this process.
RequestStats& request_stats();

}  // namespace ca::http
