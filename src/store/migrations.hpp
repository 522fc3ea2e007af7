// Versioned schema migrations per dialect, embedded in the binary.
#pragma once

#include <span>

namespace ca::store {

struct Migration {
  int version;
  const char* name;
  const char* sql;  // several statements, no parameters
};

std::span<const Migration> sqlite_migrations();
std::span<const Migration> postgres_migrations();

}  // namespace ca::store
