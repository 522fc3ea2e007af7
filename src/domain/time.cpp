#include "domain/time.hpp"

#include <date/date.h>

#include <cctype>
#include <cstdio>

namespace ca {

Timestamp SystemClock::now() const {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

namespace {

void put_digits(char* out, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

// Hand-rolled: every context write and JSON response formats timestamps, and date::format
// (an ostringstream with a locale) was 6 % of the ingest transaction's CPU.
std::string format_rfc3339(Timestamp t) {
  const auto days = std::chrono::floor<date::days>(t);
  const date::year_month_day ymd{days};
  const int year = static_cast<int>(ymd.year());
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  if (year < 0 || year > 9999) {  // not RFC 3339; kept readable rather than refused
    return date::format("%Y-%m-%dT%H:%M:%SZ", secs);
  }
  const auto in_day = std::chrono::duration_cast<std::chrono::seconds>(secs - days).count();
  char buf[32] = "0000-00-00T00:00:00";
  put_digits(buf, static_cast<unsigned>(year), 4);
  put_digits(buf + 5, static_cast<unsigned>(ymd.month()), 2);
  put_digits(buf + 8, static_cast<unsigned>(ymd.day()), 2);
  put_digits(buf + 11, static_cast<unsigned>(in_day / 3600), 2);
  put_digits(buf + 14, static_cast<unsigned>(in_day / 60 % 60), 2);
  put_digits(buf + 17, static_cast<unsigned>(in_day % 60), 2);
  size_t len = 19;
  if (auto frac = static_cast<unsigned>((t - secs).count()); frac != 0) {
    buf[len++] = '.';
    put_digits(buf + len, frac, 6);
    len += 6;
    while (buf[len - 1] == '0') --len;
  }
  buf[len++] = 'Z';
  return std::string(buf, len);
}

namespace {

bool read_digits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<Timestamp> parse_rfc3339(std::string_view s) {
  size_t p = 0;
  int y, mo, d, h, mi, se;
  if (!read_digits(s, p, 4, y) || !expect(s, p, '-') || !read_digits(s, p, 2, mo) ||
      !expect(s, p, '-') || !read_digits(s, p, 2, d))
    return std::nullopt;
  if (p >= s.size() || (s[p] != 'T' && s[p] != 't' && s[p] != ' ')) return std::nullopt;
  ++p;
  if (!read_digits(s, p, 2, h) || !expect(s, p, ':') || !read_digits(s, p, 2, mi) ||
      !expect(s, p, ':') || !read_digits(s, p, 2, se))
    return std::nullopt;
  std::int64_t micros = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    int digits = 0;
    while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) {
      if (digits < 6) micros = micros * 10 + (s[p] - '0');
      ++digits;
      ++p;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 6; ++i) micros *= 10;
  }
  int offset_minutes = 0;
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int sign = s[p] == '-' ? -1 : 1;
    ++p;
    int oh, om;
    if (!read_digits(s, p, 2, oh) || !expect(s, p, ':') || !read_digits(s, p, 2, om))
      return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (p != s.size()) return std::nullopt;
  if (h > 23 || mi > 59 || se > 60) return std::nullopt;  // 60: leap second, folded below
  auto ymd =
      date::year{y} / date::month{static_cast<unsigned>(mo)} / date::day{static_cast<unsigned>(d)};
  if (!ymd.ok()) return std::nullopt;
  if (se == 60) se = 59;
  auto tp = date::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
            std::chrono::seconds{se} - std::chrono::minutes{offset_minutes};
  return Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(tp.time_since_epoch()) +
                   std::chrono::microseconds{micros}};
}

}  // namespace ca
