// ReadCache: values are served only at the generation they were read at; a newer generation
// drops every entry (nothing of a deleted owner stays in memory), an older one is never stored.
#include "../../service/src/read_cache.h"

#include <gtest/gtest.h>

namespace pixforge::service::sqlite {
namespace {

TEST(ReadCache, ServesAValueOnlyAtItsGeneration) {
  ReadCache<int> cache;
  EXPECT_FALSE(cache.find("a", 1).has_value());
  cache.put("a", 7, 1);
  EXPECT_EQ(cache.find("a", 1), 7);
  EXPECT_FALSE(cache.find("b", 1).has_value());
  EXPECT_FALSE(cache.find("a", 2).has_value());  // the database changed
  EXPECT_EQ(cache.size(), 0u);                   // and the old entries are gone
  EXPECT_FALSE(cache.find("a", 1).has_value());  // a late reader of the old generation misses
}

TEST(ReadCache, AValueReadAtAnOlderGenerationIsNotKept) {
  ReadCache<int> cache;
  cache.put("a", 1, 5);
  cache.put("b", 2, 4);  // read in a snapshot older than what the cache already holds
  EXPECT_FALSE(cache.find("b", 5).has_value());
  EXPECT_EQ(cache.find("a", 5), 1);
  cache.put("a", 3, 6);
  EXPECT_EQ(cache.find("a", 6), 3);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ReadCache, StaysWithinItsBound) {
  ReadCache<int> cache(3);
  for (const char* key : {"a", "b", "c", "d", "e"}) cache.put(key, 1, 1);
  EXPECT_EQ(cache.size(), 3u);  // full: each new key pushed out one old one, not all of them
  EXPECT_EQ(cache.find("e", 1), 1);
  cache.put("e", 2, 1);  // replacing a key evicts nothing
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.find("e", 1), 2);
}

}  // namespace
}  // namespace pixforge::service::sqlite
