// The SQLite store keeps its hottest reads (session behind a cookie, job, job outputs, API key,
// owner) while the database is unchanged (read_cache.h). Every commit, by the store itself, by
// another store on the same file or by a bare SQLite connection as another process would make
// it, is seen by the very next read; a read made inside an older snapshot never passes for
// the newer state.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "pixforge/service/store.h"
#include "pixforge/service/vault.h"
#include "test_helpers.h"

namespace pixforge::service {
namespace {

JobRow queued_job() {
  JobRow job{};
  job.id = "j1";
  job.owner_id = "o1";
  job.kind = "txt2img";
  job.state = "queued";
  job.api = "native";
  job.params_sealed = Bytes{1, 2, 3};  // sealed parameters are never empty
  job.created_ms = 1000;
  return job;
}

struct StoreReadCacheTest : ::testing::Test {
  testing::TempDir dir;
  std::string path = dir.path() + "/db.sqlite";
  std::unique_ptr<Store> store = open_sqlite_store(path, testing::test_key(9));
  std::unique_ptr<Store> other = open_sqlite_store(path, testing::test_key(9));
  Vault vault{*store, random_key()};

  void SetUp() override {
    store->create_owner({"o1", "session", vault.new_wrapped_key("o1"), 1000, 1000, false, false});
    store->create_session({"h1", "o1", "csrf", 1000, 1000});
    store->create_job(queued_job(), {});
  }

  // A commit through a bare SQLite connection: no store, no cache of ours involved.
  void exec_elsewhere(const char* sql) const {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    EXPECT_EQ(rc, SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
};

TEST_F(StoreReadCacheTest, RepeatedReadsAnswerTheSame) {
  for (int i = 0; i < 3; ++i) {
    const auto found = store->find_session_owner("h1");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->session.csrf_token, "csrf");
    ASSERT_TRUE(found->owner.has_value());
    EXPECT_EQ(found->owner->id, "o1");
    EXPECT_EQ(store->find_job("j1")->state, "queued");
    EXPECT_TRUE(store->job_outputs("j1", "o1").image_ids.empty());
  }
  EXPECT_FALSE(store->find_session_owner("unknown").has_value());
  EXPECT_FALSE(store->find_job("unknown").has_value());
}

TEST_F(StoreReadCacheTest, ACommitByAnotherProcessIsSeenByTheNextRead) {
  ASSERT_EQ(store->find_job("j1")->state, "queued");
  ASSERT_TRUE(store->find_session_owner("h1").has_value());
  ASSERT_FALSE(store->find_owner("o1")->restricted);
  exec_elsewhere("UPDATE jobs SET state = 'succeeded' WHERE id = 'j1'");
  EXPECT_EQ(store->find_job("j1")->state, "succeeded");
  exec_elsewhere("UPDATE owners SET restricted = 1 WHERE id = 'o1'");
  EXPECT_TRUE(store->find_owner("o1")->restricted);
  EXPECT_TRUE(store->find_session_owner("h1")->owner->restricted);
  exec_elsewhere("DELETE FROM sessions WHERE token_hash = 'h1'");  // signed out elsewhere
  EXPECT_FALSE(store->find_session_owner("h1").has_value());
}

TEST_F(StoreReadCacheTest, RevocationsThroughAnotherStoreAreImmediate) {
  store->create_api_key({"k1", "o1", "key-hash", "read", 1, 1000, 0});
  ASSERT_EQ(store->find_api_key("key-hash")->revoked_ms, 0);
  ASSERT_TRUE(other->revoke_api_key("o1", "k1", 2000));
  EXPECT_EQ(store->find_api_key("key-hash")->revoked_ms, 2000);
  ASSERT_TRUE(store->find_session_owner("h1").has_value());
  other->delete_owner("o1");  // P5
  EXPECT_FALSE(store->find_owner("o1").has_value());
  EXPECT_FALSE(store->find_session_owner("h1").has_value());
  EXPECT_FALSE(store->find_job("j1").has_value());
}

TEST_F(StoreReadCacheTest, OutputsFollowTheirJob) {
  ASSERT_TRUE(store->job_outputs("j1", "o1").image_ids.empty());
  BlobRow blob{};
  blob.id = "b1";
  blob.owner_id = "o1";
  blob.job_id = "j1";
  blob.kind = "output";
  blob.created_ms = 2000;
  store->add_blob(blob);
  const JobOutputs outputs = store->job_outputs("j1", "o1");
  ASSERT_EQ(outputs.image_ids.size(), 1u);
  EXPECT_EQ(outputs.image_ids[0], "b1");
  EXPECT_TRUE(store->job_outputs("j1", "someone-else").image_ids.empty());
}

TEST_F(StoreReadCacheTest, AReadInAnOlderSnapshotDoesNotPassForTheNewerState) {
  {
    const auto scope = store->read_scope();
    ASSERT_TRUE(store->find_owner("o1").has_value());   // the scope's snapshot starts here
    other->finish_job("j1", "succeeded", "", 3000);     // committed after it
    EXPECT_EQ(store->find_job("j1")->state, "queued");  // this request's snapshot
  }
  // Had the old snapshot's row been kept for the database as it is now, this would be stale.
  EXPECT_EQ(store->find_job("j1")->state, "succeeded");
  const auto scope = store->read_scope();
  EXPECT_EQ(store->find_job("j1")->state, "succeeded");
}

}  // namespace
}  // namespace pixforge::service
