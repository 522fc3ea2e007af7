// The Topmate HTTP source: one GET per username, retried on transport errors, 429 and 5xx
// (a GET has no effects), with a clear error for everything else.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <thread>

#include "net/http_client.hpp"
#include "onboarding/sources.hpp"

namespace ca::onboarding {

namespace {

constexpr std::size_t kMaxBody = std::size_t{4} << 20;

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

class TopmateSource final : public CreatorSource {
 public:
  TopmateSource(TopmateOptions options, net::HttpClient* http)
      : options_(std::move(options)), http_(http) {
    if (http_ == nullptr) {
      own_ = std::make_unique<net::CurlHttpClient>();
      http_ = own_.get();
    }
    while (!options_.base_url.empty() && options_.base_url.back() == '/') {
      options_.base_url.pop_back();
    }
  }

  std::string name() const override { return "topmate"; }

  Result<SourceRecord> fetch(const std::string& username) override {
    if (!is_username(username)) return Error::not_found("creator not found: " + username);
    net::HttpRequest req;
    req.url =
        options_.base_url + "/fetchByUsernameAdditionalDetails/?username=" + url_encode(username);
    req.headers = {{"Accept", "application/json"}};
    req.timeout = options_.timeout;
    req.max_response_bytes = kMaxBody;
    Error last = Error::unavailable("Topmate was not asked");
    auto wait = options_.backoff;
    const int attempts = std::max(1, options_.max_attempts);
    for (int attempt = 1; attempt <= attempts; ++attempt) {
      if (attempt > 1) {
        std::this_thread::sleep_for(wait);
        wait *= 2;
      }
      auto r = http_->get(req);
      if (!r) {
        last = Error::unavailable("Topmate unreachable: " + r.error().message);
        continue;
      }
      if (r->status == 404) return Error::not_found("creator not found: " + username);
      if (r->status == 429 || r->status >= 500) {
        last = Error::unavailable("Topmate answered HTTP " + std::to_string(r->status));
        continue;
      }
      if (r->status != 200) {
        return Error::unavailable("Topmate answered HTTP " + std::to_string(r->status) + " for " +
                                  username);
      }
      SourceRecord rec;
      rec.raw_json = std::move(r->body);
      auto data = parse_topmate(rec.raw_json, username);
      if (!data) {
        return Error::invalid("source", "Topmate returned unreadable data for " + username + ": " +
                                            data.error().message);
      }
      rec.data = std::move(*data);
      return rec;
    }
    spdlog::warn("topmate: {} after {} attempt(s)", last.message, attempts);
    return Error::unavailable(last.message + " (after " + std::to_string(attempts) + " attempts)");
  }

 private:
  TopmateOptions options_;
  net::HttpClient* http_;
  std::unique_ptr<net::HttpClient> own_;
};

}  // namespace

std::unique_ptr<CreatorSource> make_topmate_source(TopmateOptions options, net::HttpClient* http) {
  return std::make_unique<TopmateSource>(std::move(options), http);
}

}  // namespace ca::onboarding
