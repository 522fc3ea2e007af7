#include "store/sql.hpp"

#include <charconv>

namespace ca::store {

std::optional<std::int64_t> SqlRow::opt_i64(size_t i) const {
  const auto& c = cells_.at(i);
  if (!c) return std::nullopt;
  std::int64_t v = 0;
  std::from_chars(c->data(), c->data() + c->size(), v);
  return v;
}

std::int64_t SqlRow::i64(size_t i) const { return opt_i64(i).value_or(0); }

double SqlRow::f64(size_t i) const {
  const auto& c = cells_.at(i);
  if (!c) return 0;
  double v = 0;
  std::from_chars(c->data(), c->data() + c->size(), v);
  return v;
}

bool SqlRow::boolean(size_t i) const {
  const auto& c = cells_.at(i);
  return c && (*c == "t" || *c == "1" || *c == "true");
}

std::optional<Timestamp> SqlRow::opt_time(size_t i) const {
  auto v = opt_i64(i);
  if (!v) return std::nullopt;
  return from_micros(*v);
}

std::string conflict_field(std::string_view detail) {
  // Order matters: "external_username" and "external_id" before the plain names, and
  // the primary key ("_pkey" / ".id") last.
  static constexpr std::string_view kFields[] = {
      "external_username", "external_id", "idempotency_key", "provider_message_id", "email",
      "whatsapp",          "hash",
  };
  for (auto f : kFields) {
    if (detail.find(f) != std::string_view::npos) return std::string(f);
  }
  if (detail.find("_pkey") != std::string_view::npos || detail.ends_with(".id")) return "id";
  return {};
}

Error unique_violation(std::string_view detail) {
  auto field = conflict_field(detail);
  std::string msg = field.empty() ? "a row with the same unique value already exists"
                                  : field + " is already taken";
  return Error::conflict(std::move(msg), std::move(field));
}

Error foreign_key_violation() { return Error::invalid("", "a referenced row does not exist"); }

std::string bind(SqlParams& params, SqlValue v) {
  params.push_back(std::move(v));
  return "$" + std::to_string(params.size());
}

void bind_row(SqlParams& params, std::string& sql, const std::vector<SqlValue>& values) {
  sql += "(";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += bind(params, values[i]);
  }
  sql += ")";
}

std::string bind_in(SqlParams& params, const std::vector<std::string>& values, size_t begin,
                    size_t end) {
  size_t width = 8;
  while (width < end - begin) width *= 2;
  std::string out = "(";
  for (size_t i = 0; i < width; ++i) {
    if (i > 0) out += ", ";
    out += bind(params, begin + i < end ? SqlValue{values[begin + i]} : sql_null());
  }
  out += ")";
  return out;
}

}  // namespace ca::store
