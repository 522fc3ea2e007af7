#include <fstream>
#include <sstream>
#include <system_error>

#include "onboarding/sources.hpp"

#ifndef CA_SOURCE_FIXTURES_DIR
#define CA_SOURCE_FIXTURES_DIR "fixtures/creators"
#endif

namespace ca::onboarding {

namespace {
constexpr std::uintmax_t kMaxFixtureBytes = std::uintmax_t{4} << 20;
}

std::filesystem::path default_fixtures_dir() {
  std::error_code ec;
  std::filesystem::path local = "fixtures/creators";
  if (std::filesystem::is_directory(local, ec)) return local;
  return CA_SOURCE_FIXTURES_DIR;
}

Result<SourceRecord> FixtureSource::fetch(const std::string& username) {
  // The username becomes a file name: only the safe alphabet gets that far.
  if (!is_username(username)) return Error::not_found("creator not found: " + username);
  std::filesystem::path file = dir_ / (username + ".json");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return Error::not_found("creator not found: " + username);
  }
  auto size = std::filesystem::file_size(file, ec);
  if (ec || size > kMaxFixtureBytes) {
    return Error::invalid("source", "fixture " + file.string() + " is unreadable or too large");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error::unavailable("cannot open fixture " + file.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  SourceRecord rec;
  rec.raw_json = buf.str();
  auto data = parse_topmate(rec.raw_json, username);
  if (!data) return std::move(data).error();
  rec.data = std::move(*data);
  return rec;
}

}  // namespace ca::onboarding
