#include "llm/openai_client.hpp"

#include <spdlog/spdlog.h>

#include <mutex>
#include <random>
#include <thread>

#include "llm/openai_wire.hpp"
#include "llm/retry_timing.hpp"
#include "net/http_client.hpp"

namespace ca::llm {
namespace {

using std::chrono::milliseconds;

// The server's text may echo the key (a 401 does, partly masked); never pass it on.
std::string redact(std::string text, const std::string& secret) {
  if (secret.size() < 4) return text;
  for (auto p = text.find(secret); p != std::string::npos; p = text.find(secret, p)) {
    text.replace(p, secret.size(), "[redacted]");
  }
  return text;
}

std::optional<std::string> header(const net::HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

class OpenAiClient final : public LlmClient {
 public:
  OpenAiClient(OpenAiConfig config, net::HttpClient* http)
      : config_(std::move(config)), http_(http) {
    if (http_ == nullptr) {
      owned_http_ = std::make_unique<net::CurlHttpClient>();
      http_ = owned_http_.get();
    }
    while (!config_.base_url.empty() && config_.base_url.back() == '/') config_.base_url.pop_back();
    config_.max_attempts = std::max(1, config_.max_attempts);
    if (config_.reasoning_effort && !is_reasoning_model(config_.model)) {
      spdlog::warn("llm: OPENAI_REASONING_EFFORT ignored: {} is not a reasoning model",
                   config_.model);
    }
  }

  std::string model() const override { return config_.model; }

  Result<ChatResponse> complete(const ChatRequest& request) override {
    auto body = build_chat_body(config_, request);
    if (!body) return std::move(body).error();

    net::HttpRequest http_request;
    http_request.url = config_.base_url + "/chat/completions";
    http_request.headers = {{"Authorization", "Bearer " + config_.api_key},
                            {"Content-Type", "application/json"},
                            {"Accept", "application/json"}};
    http_request.body = std::move(body).value();
    http_request.timeout = config_.timeout;
    http_request.max_response_bytes = std::size_t{8} << 20;

    auto started = std::chrono::steady_clock::now();
    Error last_error = Error::unavailable("no attempt made");
    int attempt = 0;
    while (++attempt <= config_.max_attempts) {
      auto response = http_->post(http_request);
      std::optional<milliseconds> retry_after;
      if (!response) {
        // Retried even when the request may have reached the server: a completion has no
        // effect beyond its cost, unlike the sends net/ refuses to repeat blindly.
        last_error = Error::unavailable("LLM request failed: " + response.error().message);
      } else if (response->status == 200) {
        auto parsed = parse_chat_reply(response->body);
        auto latency = elapsed(started);
        if (!parsed) {
          spdlog::warn("llm call model={} attempts={} latency_ms={} failed: {}", config_.model,
                       attempt, latency.count(), parsed.error().message);
          return std::move(parsed).error();
        }
        parsed->latency = latency;
        parsed->attempts = attempt;
        if (parsed->model.empty()) parsed->model = config_.model;
        spdlog::info(
            "llm call model={} attempts={} prompt_tokens={} completion_tokens={} "
            "total_tokens={} latency_ms={}",
            parsed->model, attempt, parsed->usage.prompt_tokens, parsed->usage.completion_tokens,
            parsed->usage.total_tokens, latency.count());
        return std::move(parsed).value();
      } else {
        std::string detail = redact(server_error_message(response->body), config_.api_key);
        std::string what =
            "LLM server answered " + std::to_string(response->status) + ": " + detail;
        if (!is_retryable_status(response->status)) {
          spdlog::warn("llm call model={} attempts={} latency_ms={} failed: {}", config_.model,
                       attempt, elapsed(started).count(), what);
          // A 400 is our request's fault; 401/403/404 a configuration problem of the LLM.
          if (response->status == 400 || response->status == 422) {
            return Error::invalid("request", what);
          }
          return Error::unavailable(what);
        }
        last_error = Error::unavailable(what);
        if (auto ms = header(*response, "retry-after-ms")) {
          retry_after = parse_retry_after_ms(*ms);
        }
        if (!retry_after) {
          if (auto ra = header(*response, "retry-after"))
            retry_after = parse_retry_after(*ra, now());
        }
      }
      if (attempt == config_.max_attempts) break;
      milliseconds wait = retry_delay(attempt, config_.base_backoff, config_.max_backoff,
                                      jitter_unit(), retry_after);
      spdlog::warn("llm call model={} attempt {}/{} failed ({}); retrying in {} ms", config_.model,
                   attempt, config_.max_attempts, last_error.message, wait.count());
      sleep(wait);
    }
    last_error.message += " (after " + std::to_string(config_.max_attempts) + " attempts)";
    spdlog::warn("llm call model={} attempts={} latency_ms={} failed: {}", config_.model,
                 config_.max_attempts, elapsed(started).count(), last_error.message);
    return last_error;
  }

 private:
  static milliseconds elapsed(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - since);
  }

  Timestamp now() const {
    if (config_.clock != nullptr) return config_.clock->now();
    return SystemClock().now();
  }

  void sleep(milliseconds wait) const {
    if (config_.sleep) {
      config_.sleep(wait);
    } else {
      std::this_thread::sleep_for(wait);
    }
  }

  double jitter_unit() {
    if (config_.jitter) return config_.jitter();
    std::lock_guard lock(rng_mu_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  }

  OpenAiConfig config_;
  net::HttpClient* http_;
  std::unique_ptr<net::HttpClient> owned_http_;
  std::mutex rng_mu_;
  // Jitter only spreads retries; it needs no secrecy, so a seeded PRNG is enough.
  std::minstd_rand rng_{std::random_device{}()};
};

}  // namespace

std::unique_ptr<LlmClient> make_openai_client(const OpenAiConfig& config, net::HttpClient* http) {
  return std::make_unique<OpenAiClient>(config, http);
}

}  // namespace ca::llm
