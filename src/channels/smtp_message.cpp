#include "channels/smtp_message.hpp"

#include <date/date.h>

#include <array>

#include <fmt/format.h>

#include "channels/encoding.hpp"

namespace ca::channels::detail {

namespace {

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// RFC 5322 date, always in UTC, independent of the C locale.
std::string rfc5322_date(Timestamp now) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto day = date::floor<date::days>(now);
  date::year_month_day ymd{day};
  date::hh_mm_ss tod{std::chrono::floor<std::chrono::seconds>(now - day)};
  date::weekday wd{day};
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", kDays[wd.c_encoding()],
                     static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                     tod.hours().count(), tod.minutes().count(), tod.seconds().count());
}

std::string crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 40);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (text[i] == '\n') {
      out += "\r\n";
    } else {
      out += text[i];
    }
  }
  return out;
}

// Message-ID local part: the action id is unique, and resending the same action keeps
// the same id, which lets receivers drop a duplicate.
std::string id_part(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    out += ok ? c : '_';
  }
  return out.empty() ? std::string("message") : out;
}

}  // namespace

bool is_plain_address(std::string_view a) {
  auto at = a.rfind('@');
  if (a.empty() || a.size() > 254 || at == std::string_view::npos || at == 0 ||
      at + 1 == a.size()) {
    return false;
  }
  for (char c : a) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' ||
        c == '(' || c == ')' || c == '\\') {
      return false;
    }
  }
  return true;
}

Result<Mailbox> parse_mailbox(std::string_view text) {
  if (has_line_break(text)) return Error::invalid("from", "address contains a line break");
  Mailbox m;
  auto lt = text.find('<');
  if (lt == std::string_view::npos) {
    m.address = trim(text);
  } else {
    auto gt = text.find('>', lt);
    if (gt == std::string_view::npos || trim(text.substr(gt + 1)).size() != 0) {
      return Error::invalid("from", "expected \"Name <address>\"");
    }
    m.display_name = trim(text.substr(0, lt));
    if (m.display_name.size() >= 2 && m.display_name.front() == '"' &&
        m.display_name.back() == '"') {
      m.display_name = m.display_name.substr(1, m.display_name.size() - 2);
    }
    m.address = trim(text.substr(lt + 1, gt - lt - 1));
  }
  if (!is_plain_address(m.address)) {
    return Error::invalid("from", "\"" + m.address + "\" is not an email address");
  }
  return m;
}

std::string html_from_text(std::string_view text) {
  std::string body = "<p>";
  int newlines = 0;
  for (char c : text) {
    if (c == '\r') continue;
    if (c == '\n') {
      ++newlines;
      continue;
    }
    if (newlines == 1) body += "<br>\r\n";
    if (newlines >= 2) body += "</p>\r\n<p>";
    newlines = 0;
    switch (c) {
      case '&': body += "&amp;"; break;
      case '<': body += "&lt;"; break;
      case '>': body += "&gt;"; break;
      case '"': body += "&quot;"; break;
      case '\'': body += "&#39;"; break;
      default: body += c;
    }
  }
  body += "</p>";
  return "<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"></head><body>\r\n" + body +
         "\r\n</body></html>\r\n";
}

Result<MimeMessage> build_mime(const OutboundMessage& m, const Mailbox& from, Timestamp now) {
  if (!is_plain_address(m.to)) {
    return Error::invalid("to", "\"" + m.to + "\" is not an email address");
  }
  const auto& url = m.unsubscribe_url;
  if (has_line_break(url) || url.find_first_of("<> ") != std::string::npos) {
    return Error::invalid("unsubscribe_url", "unsubscribe URL contains unsafe characters");
  }
  std::string domain = from.address.substr(from.address.rfind('@') + 1);
  MimeMessage out;
  out.message_id = "<" + id_part(m.action_id) + "@" + domain + ">";
  std::string boundary = "=_ca_" + id_part(m.action_id);  // "=_" never occurs in Base64

  std::string subject = m.subject;
  for (char& c : subject) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  if (subject.size() > 900) subject.resize(900);  // header lines stay under 998 bytes

  std::string h;
  if (from.display_name.empty()) {
    h += "From: " + from.address + "\r\n";
  } else if (is_ascii(from.display_name)) {
    std::string quoted;  // RFC 5322 quoted-string: commas and the like stay in the name
    for (char c : from.display_name) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    h += "From: \"" + quoted + "\" <" + from.address + ">\r\n";
  } else {
    h += "From: " + encode_header_words(from.display_name) + " <" + from.address + ">\r\n";
  }
  h += "To: <" + m.to + ">\r\n";
  h += "Subject: " + encode_header_words(subject) + "\r\n";
  h += "Date: " + rfc5322_date(now) + "\r\n";
  h += "Message-ID: " + out.message_id + "\r\n";
  h += "MIME-Version: 1.0\r\n";
  std::string unsubscribe = "<mailto:" + from.address + "?subject=unsubscribe>";
  if (!url.empty()) unsubscribe = "<" + url + ">, " + unsubscribe;
  h += "List-Unsubscribe: " + unsubscribe + "\r\n";
  // One-click (RFC 8058) only with an https URL that accepts the POST.
  if (url.rfind("https://", 0) == 0) h += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";
  h += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
  h += "\r\n";

  std::string html = m.html.empty() ? html_from_text(m.text) : m.html;
  std::string b = "This is a multi-part message in MIME format.\r\n";
  b += "--" + boundary + "\r\n";
  b += "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  b += base64_lines(crlf(m.text));
  b += "--" + boundary + "\r\n";
  b += "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  b += base64_lines(crlf(html));
  b += "--" + boundary + "--\r\n";
  out.bytes = h + b;
  return out;
}

}  // namespace ca::channels::detail
