#include <set>

#include "store_fixture.hpp"

namespace ca::test {
namespace {

using PaginationTest = StoreTest;

template <class ListFn>
std::vector<std::vector<std::string>> walk(ListFn&& list, int limit) {
  std::vector<std::vector<std::string>> pages;
  PageRequest req;
  req.limit = limit;
  for (int guard = 0; guard < 20; ++guard) {
    auto page = list(req);
    EXPECT_TRUE(page.ok());
    if (!page.ok()) break;
    std::vector<std::string> ids;
    for (const auto& item : page->items) ids.push_back(item.id);
    pages.push_back(ids);
    if (!page->next_after_id) break;
    EXPECT_EQ(*page->next_after_id, ids.back());
    req.after_id = page->next_after_id;
  }
  return pages;
}

TEST_F(PaginationTest, ConsumersSevenRowsInPagesOfThree) {
  auto creator = add_creator();
  std::vector<std::string> inserted;
  for (int i = 0; i < 7; ++i) inserted.push_back(add_consumer(creator));
  add_consumer(add_creator("Other"));  // not in this tenant's pages

  auto tx = read();
  auto pages = walk(
      [&](const PageRequest& r) { return tx->consumers().list(Tenant::creator(creator), {}, r); },
      3);
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(pages[0].size(), 3u);
  EXPECT_EQ(pages[1].size(), 3u);
  EXPECT_EQ(pages[2].size(), 1u);
  std::vector<std::string> all;
  for (const auto& p : pages) all.insert(all.end(), p.begin(), p.end());
  std::vector<std::string> newest_first(inserted.rbegin(), inserted.rend());
  EXPECT_EQ(all, newest_first);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 7u);
}

TEST_F(PaginationTest, ExactMultipleEndsWithoutEmptyPage) {
  auto creator = add_creator();
  {
    auto tx = write();
    for (int i = 0; i < 6; ++i) ASSERT_OK(tx->products().insert(make_product(creator)));
    ASSERT_OK(tx->commit());
  }
  auto tx = read();
  auto pages =
      walk([&](const PageRequest& r) { return tx->products().list(Tenant::admin(), r); }, 3);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[1].size(), 3u);
}

TEST_F(PaginationTest, CreatorsPaginate) {
  for (int i = 0; i < 5; ++i) add_creator();
  auto tx = read();
  auto pages =
      walk([&](const PageRequest& r) { return tx->creators().list(Tenant::admin(), r); }, 2);
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(pages[2].size(), 1u);
}

TEST_F(PaginationTest, MalformedCursorIsInvalid) {
  auto tx = read();
  PageRequest r;
  r.after_id = "garbage";
  auto page = tx->products().list(Tenant::admin(), r);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(page.error().field, "cursor");
}

}  // namespace
}  // namespace ca::test
