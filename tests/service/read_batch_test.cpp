// Store::read_scope (one read transaction for a request's reads, see sqlite_db.h ReadBatch):
// a request still reads its own writes, and every commit, from this store or from another
// connection to the same file (a second server, `pixforge admin`), is seen by the next scope.
#include <gtest/gtest.h>

#include <thread>

#include "pixforge/service/store.h"
#include "pixforge/service/vault.h"
#include "test_helpers.h"

namespace pixforge::service {
namespace {

struct ReadBatchFixture : ::testing::Test {
  testing::TempDir dir;
  std::unique_ptr<Store> store = open_sqlite_store(dir.path() + "/db.sqlite", testing::test_key(9));
  // Another connection to the same database, as another process would have.
  std::unique_ptr<Store> other = open_sqlite_store(dir.path() + "/db.sqlite", testing::test_key(9));
  Vault vault{*store, random_key()};

  void make_owner(Store& s, const std::string& id) {
    s.create_owner({id, "session", vault.new_wrapped_key(id), 1000, 1000, false, false});
  }
};

TEST_F(ReadBatchFixture, SqliteStoreBatchesReads) { EXPECT_NE(store->read_scope(), nullptr); }

TEST_F(ReadBatchFixture, ReadsInAScopeSeeTheScopesOwnWrites) {
  make_owner(*store, "o1");
  const auto scope = store->read_scope();
  store->create_session({"h1", "o1", "csrf", 1000, 1000});
  ASSERT_TRUE(store->find_session("h1").has_value());  // the snapshot starts here
  store->set_restricted("o1", true);
  EXPECT_TRUE(store->find_owner("o1")->restricted);
  store->delete_session("h1");
  EXPECT_FALSE(store->find_session("h1").has_value());
  store->delete_owner("o1");
  EXPECT_FALSE(store->find_owner("o1").has_value());
}

TEST_F(ReadBatchFixture, AnotherConnectionsCommitIsSeenByTheNextScope) {
  make_owner(*store, "o1");
  store->create_session({"h1", "o1", "csrf", 1000, 1000});
  store->create_api_key({"k1", "o1", "key-hash", "read", 1, 1000, 0});
  {
    const auto scope = store->read_scope();
    ASSERT_EQ(store->find_api_key("key-hash")->revoked_ms, 0);
    ASSERT_TRUE(other->revoke_api_key("o1", "k1", 2000));
    // One request reads one snapshot: the commit landed after it was taken.
    EXPECT_EQ(store->find_api_key("key-hash")->revoked_ms, 0);
  }
  {
    const auto scope = store->read_scope();
    EXPECT_EQ(store->find_api_key("key-hash")->revoked_ms, 2000);
  }
  // Without a scope, every read sees the latest commit.
  other->delete_session("h1");
  EXPECT_FALSE(store->find_session("h1").has_value());
  {
    const auto scope = store->read_scope();
    ASSERT_TRUE(store->find_owner("o1").has_value());
  }
  other->delete_owner("o1");  // P5: the owner is gone for the very next request
  const auto scope = store->read_scope();
  EXPECT_FALSE(store->find_owner("o1").has_value());
  EXPECT_FALSE(store->find_session_owner("h1").has_value());
}

TEST_F(ReadBatchFixture, NestedScopesJoinAndOtherThreadsAreUnaffected) {
  make_owner(*store, "o1");
  const auto outer = store->read_scope();
  ASSERT_TRUE(store->find_owner("o1").has_value());
  {
    const auto inner = store->read_scope();
    EXPECT_TRUE(store->find_owner("o1").has_value());
  }
  // The inner scope's end left the outer one usable.
  EXPECT_TRUE(store->find_owner("o1").has_value());
  // Another thread reads on its own connection and sees commits made meanwhile.
  other->set_restricted("o1", true);
  bool seen = false;
  std::thread([&] { seen = store->find_owner("o1")->restricted; }).join();
  EXPECT_TRUE(seen);
  EXPECT_FALSE(store->find_owner("o1")->restricted);  // this thread's snapshot
}

TEST_F(ReadBatchFixture, AScopeOnOneStoreLeavesAnotherStoresReadsAlone) {
  make_owner(*store, "o1");
  const auto scope = other->read_scope();
  ASSERT_TRUE(other->find_owner("o1").has_value());
  store->set_restricted("o1", true);
  EXPECT_TRUE(store->find_owner("o1")->restricted);   // not batched: latest commit
  EXPECT_FALSE(other->find_owner("o1")->restricted);  // batched: its snapshot
}

}  // namespace
}  // namespace pixforge::service
