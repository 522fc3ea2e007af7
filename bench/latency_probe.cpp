// Event → invocation latency at a FIXED request rate (open loop, unlike wrk's closed loop):
// single page_view events from new visitors are due on a fixed schedule, so the deployed
// GenericSalesAgent acts on every one. THREADS keep-alive connections share the schedule:
// a free one takes the next due event, so one slow answer delays no other event (a
// connection per stride of the schedule made every later event of its stride late too).
// Afterwards the invocations are read back through the API. Event → invocation latency
// runs from when the event's POST was due to when its invocation was decided and durable:
// the later of the POST's answer (an invocation decided in the ingest transaction commits
// with the event) and the invocation's updated_at (one a worker decided). Same machine,
// same clock.
//
//   latency_probe BASE_URL API_KEY [RATE=1000] [SECONDS=10] [THREADS=64]
//
// Prints `name value` lines: achieved rate, POST p50/p99, event→invocation p50/p99, and
// how many invocations completed within the 60 s drain.
#include <curl/curl.h>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "domain/time.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace bj = boost::json;

struct Easy {
  CURL* h = curl_easy_init();
  ~Easy() { curl_easy_cleanup(h); }
};

std::size_t append(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One request on a reused handle (keep-alive); returns the HTTP status, 0 on failure.
long request(CURL* h, const std::string& url, const std::string& key, const std::string* body,
             std::string& response) {
  response.clear();
  curl_slist* headers = nullptr;
  std::string auth = "Authorization: Bearer " + key;
  headers = curl_slist_append(headers, auth.c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
  if (body != nullptr) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->c_str());
  } else {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  }
  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  long status = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto idx = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: latency_probe BASE_URL API_KEY [RATE] [SECONDS] [THREADS]\n");
    return 2;
  }
  const std::string base = argv[1];
  const std::string key = argv[2];
  const double rate = argc > 3 ? std::stod(argv[3]) : 1000;
  const double seconds = argc > 4 ? std::stod(argv[4]) : 10;
  const int threads = argc > 5 ? std::stoi(argv[5]) : 64;
  curl_global_init(CURL_GLOBAL_DEFAULT);

  const auto total = static_cast<long>(rate * seconds);
  const auto interval = std::chrono::duration<double>(1.0 / rate);
  const std::string run =
      std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  std::vector<std::vector<double>> post_ms(static_cast<std::size_t>(threads));
  std::vector<std::vector<double>> post_due_ms(static_cast<std::size_t>(threads));
  std::atomic<long> errors{0};
  const auto start = Clock::now() + std::chrono::milliseconds(100);
  // Steady times on the wall clock, to compare with the server's timestamps.
  const auto steady0 = Clock::now();
  const auto wall0 = std::chrono::system_clock::now();
  auto wall = [&](Clock::time_point t) {
    return wall0 + std::chrono::duration_cast<std::chrono::system_clock::duration>(t - steady0);
  };
  struct Sent {
    std::chrono::system_clock::time_point due, answered;
  };
  std::mutex sent_mu;
  std::unordered_map<std::string, Sent> sent_by_event;  // event id → its POST

  std::atomic<long> next{0};  // the next event due
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      Easy easy;
      std::string response;
      for (long i = next++; i < total; i = next++) {
        auto due =
            start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i));
        std::this_thread::sleep_until(due);
        std::string body = R"({"consumer":{"external_id":"lat-)" + run + "-" + std::to_string(i) +
                           R"("},"type":"page_view"})";
        auto sent = Clock::now();
        long status = request(easy.h, base + "/events", key, &body, response);
        const auto answered = Clock::now();
        // Open loop: latency counts from when the request was DUE, so a stalled server
        // cannot hide its queueing by slowing the generator down.
        const auto from = std::min(due, sent);
        post_ms[static_cast<std::size_t>(t)].push_back(
            std::chrono::duration<double, std::milli>(answered - from).count());
        post_due_ms[static_cast<std::size_t>(t)].push_back(
            std::chrono::duration<double, std::milli>(due - start).count());
        if (status != 202) {
          ++errors;
          continue;
        }
        boost::system::error_code ec;
        auto answer = bj::parse(response, ec);
        if (ec || !answer.is_object() || !answer.as_object().contains("id")) continue;
        std::lock_guard lk(sent_mu);
        sent_by_event[std::string(answer.at("id").as_string())] = Sent{wall(from), wall(answered)};
      }
    });
  }
  for (auto& th : pool) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  // Drain: read completed invocations until every event has one (or 60 s pass).
  Easy easy;
  std::string response;
  std::vector<double> e2e_ms;
  auto drain_deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < drain_deadline) {
    e2e_ms.clear();
    std::string cursor;
    bool failed = false;
    while (true) {
      std::string url = base + "/invocations?status=completed&limit=500";
      if (!cursor.empty()) url += "&cursor=" + cursor;
      if (request(easy.h, url, key, nullptr, response) != 200) {
        failed = true;
        break;
      }
      auto page = bj::parse(response).as_object();
      for (const auto& item : page.at("items").as_array()) {
        const auto& inv = item.as_object();
        const auto& event_id = inv.at("event_id");
        auto updated = ca::parse_rfc3339(inv.at("updated_at").as_string());
        if (!event_id.is_string() || !updated) continue;
        auto ours = sent_by_event.find(std::string(event_id.as_string()));
        if (ours == sent_by_event.end()) continue;  // an older run's
        const auto decided =
            std::max<std::chrono::system_clock::time_point>(ours->second.answered, *updated);
        e2e_ms.push_back(
            std::chrono::duration<double, std::milli>(decided - ours->second.due).count());
      }
      if (page.at("next_cursor").is_null()) break;
      cursor = std::string(page.at("next_cursor").as_string());
    }
    if (!failed && static_cast<long>(e2e_ms.size()) >= total - errors) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }

  std::vector<double> all_posts;
  for (auto& v : post_ms) all_posts.insert(all_posts.end(), v.begin(), v.end());
  // PROBE_DUMP=FILE: one line per POST, "due_offset_ms latency_ms", to see when slow ones were.
  if (const char* dump = std::getenv("PROBE_DUMP")) {
    if (std::FILE* f = std::fopen(dump, "w")) {
      for (std::size_t t = 0; t < post_ms.size(); ++t) {
        for (std::size_t k = 0; k < post_ms[t].size(); ++k) {
          std::fprintf(f, "%.1f %.2f\n", post_due_ms[t][k], post_ms[t][k]);
        }
      }
      std::fclose(f);
    }
  }
  std::printf("probe_rate_achieved %.0f\n", static_cast<double>(total) / elapsed);
  std::printf("probe_errors %ld\n", errors.load());
  std::printf("post_p50_ms %.2f\npost_p99_ms %.2f\n", percentile(all_posts, 0.5),
              percentile(all_posts, 0.99));
  std::printf("event_to_invocation_p50_ms %.2f\nevent_to_invocation_p99_ms %.2f\n",
              percentile(e2e_ms, 0.5), percentile(e2e_ms, 0.99));
  std::printf("invocations_completed %zu\ninvocations_expected %ld\n", e2e_ms.size(),
              total - errors.load());
  curl_global_cleanup();
  return 0;
}
