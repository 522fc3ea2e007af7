// Where creator data comes from: a folder of Topmate-shaped fixtures (the default) or the
// Topmate HTTP API. Both return the raw JSON (stored as the profile's raw_data) and its
// normalised reading.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "domain/result.hpp"
#include "onboarding/creator_data.hpp"

namespace ca::net {
class HttpClient;
}

namespace ca::onboarding {

struct SourceRecord {
  std::string raw_json;
  CreatorData data;
};

class CreatorSource {
 public:
  virtual ~CreatorSource() = default;
  virtual std::string name() const = 0;  // "fixtures" | "topmate"
  // not_found "creator not found: NAME" for an unknown username; invalid_argument for data
  // that cannot be read; unavailable when the source could not be reached.
  virtual Result<SourceRecord> fetch(const std::string& username) = 0;
};

// Reads <dir>/<username>.json.
class FixtureSource final : public CreatorSource {
 public:
  explicit FixtureSource(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::string name() const override { return "fixtures"; }
  Result<SourceRecord> fetch(const std::string& username) override;

 private:
  std::filesystem::path dir_;
};

// The fixture folder shipped in the repository: ./fixtures/creators when it exists
// (running from the checkout), else the source tree this binary was built from.
std::filesystem::path default_fixtures_dir();

struct TopmateOptions {
  std::string base_url;  // TOPMATE_API_URL, e.g. https://gcp.galactus.run
  std::chrono::milliseconds timeout{10000};
  int max_attempts = 3;                    // GETs are safe to repeat: transport errors, 429 and 5xx
  std::chrono::milliseconds backoff{500};  // doubled per retry
};

// GET {base_url}/fetchByUsernameAdditionalDetails/?username=NAME. `http` is not owned;
// null → the source owns a CurlHttpClient.
std::unique_ptr<CreatorSource> make_topmate_source(TopmateOptions options,
                                                   net::HttpClient* http = nullptr);

}  // namespace ca::onboarding
