// Reading a whole paged listing (Page / PageRequest) when a caller needs every item.
#pragma once

#include <utility>
#include <vector>

#include "domain/entities.hpp"
#include "domain/result.hpp"

namespace ca {

// Every item of a listing: `list(page)` returns Result<Page<T>> for one page; pages of
// `limit` are read until the listing says none follows.
template <class T, class ListFn>
Result<std::vector<T>> all_pages(ListFn&& list, int limit = 500) {
  std::vector<T> out;
  PageRequest page;
  page.limit = limit;
  for (;;) {
    Result<Page<T>> got = list(page);
    if (!got) return std::move(got).error();
    for (auto& item : got->items) out.push_back(std::move(item));
    if (!got->next_after_id) return out;
    page.after_id = std::move(got->next_after_id);
  }
}

}  // namespace ca
