// The store side of P8/P9/P11: schema migration 2 on a database written by migration 1 (the
// blobs table is rebuilt to admit 'flagged'), flag decisions taken once, showcase rules.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "../../service/src/sqlite_schema.h"
#include "pixforge/service/store.h"
#include "test_helpers.h"

namespace pixforge::service {
namespace {

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  const std::string msg = err ? err : "";
  sqlite3_free(err);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

std::int64_t user_version(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, nullptr);
  sqlite3_step(s);
  const std::int64_t v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

TEST(ModerationStore, Migration2KeepsTheRowsOfAVersion1Database) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/v1.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    exec(db, sqlite::kMigrations[0]);
    exec(db, "PRAGMA user_version = 1");
    exec(db,
         "INSERT INTO owners (id, kind, wrapped_key, created_ms, last_active_ms) VALUES "
         "('o1', 'session', x'00', 1, 1);"
         "INSERT INTO jobs (id, owner_id, kind, state, params_sealed, created_ms) VALUES "
         "('j1', 'o1', 'txt2img', 'succeeded', x'00', 2);"
         "INSERT INTO blobs (id, owner_id, job_id, kind, created_ms, size) VALUES "
         "('b1', 'o1', 'j1', 'output', 3, 10), ('b2', 'o1', 'j1', 'upload', 4, 20);");
    sqlite3_close(db);
  }
  auto store = open_sqlite_store(path, testing::test_key(3));
  EXPECT_EQ(user_version(path), static_cast<std::int64_t>(sqlite::kMigrations.size()));
  const auto b1 = store->find_blob("b1");
  ASSERT_TRUE(b1);
  EXPECT_EQ(b1->kind, "output");
  EXPECT_EQ(b1->job_id, "j1");
  EXPECT_EQ(b1->size, 10);
  EXPECT_EQ(b1->showcase_ms, 0);
  EXPECT_EQ(store->find_blob("b2")->kind, "upload");
  const auto job = store->find_job("j1");
  ASSERT_TRUE(job);
  EXPECT_EQ(job->safety_action, "");
  // The rebuilt table still cascades with its owner.
  store->delete_owner("o1");
  EXPECT_FALSE(store->find_blob("b1"));
}

struct ModerationStoreFixture : ::testing::Test {
  testing::TempDir dir;
  std::unique_ptr<Store> store = open_sqlite_store(dir.path() + "/s.db", testing::test_key(4));
  void SetUp() override {
    store->create_owner({"o1", "session", Bytes{1}, 1, 1, false, false});
    store->create_job({"j1", "o1", "txt2img", "succeeded", Bytes{1}, Bytes{1}, "", "native", 1},
                      {});
    store->add_blob({"out", "o1", "j1", "output", 5, 1});
    FlagRow f;
    f.id = "f1";
    f.blob_id = "held";
    f.owner_id = "o1";
    f.job_id = "j1";
    f.created_ms = 6;
    f.scores = R"({"Porn":0.9})";
    f.top_class = "Porn";
    store->add_flagged_output({"held", "o1", "j1", "flagged", 6, 1}, f);
  }
};

TEST_F(ModerationStoreFixture, AFlagIsDecidedOnceAndReleaseMakesAnOutput) {
  EXPECT_EQ(store->find_blob("held")->kind, "flagged");
  EXPECT_EQ(store->flags("pending", 10).size(), 1u);
  EXPECT_EQ(store->job_flags("j1").size(), 1u);
  EXPECT_TRUE(store->decide_flag("f1", "released", "mod", 7));
  EXPECT_FALSE(store->decide_flag("f1", "deleted", "mod", 8)) << "decided once";
  EXPECT_EQ(store->find_blob("held")->kind, "output");
  const auto f = store->find_flag("f1");
  EXPECT_EQ(f->decision, "released");
  EXPECT_EQ(f->decided_by, "mod");
  EXPECT_EQ(f->decided_ms, 7);
  EXPECT_TRUE(store->flags("pending", 10).empty());
}

TEST_F(ModerationStoreFixture, ShowcaseTakesOnlyTheOwnersVisibleOutputs) {
  EXPECT_FALSE(store->set_showcase("held", "o1", 9)) << "withheld images cannot be shown";
  EXPECT_FALSE(store->set_showcase("out", "someone-else", 9));
  EXPECT_TRUE(store->set_showcase("out", "o1", 9));
  ASSERT_EQ(store->showcase(10).size(), 1u);
  EXPECT_EQ(store->showcase(10)[0].showcase_ms, 9);
  store->set_restricted("o1", true);
  EXPECT_TRUE(store->showcase(10).empty());
  store->set_restricted("o1", false);
  EXPECT_TRUE(store->set_showcase("out", "o1", 0));
  EXPECT_TRUE(store->showcase(10).empty());
}

TEST_F(ModerationStoreFixture, DeletingTheOwnerLeavesAnAnonymousFlagRecord) {
  store->add_safety_decision({0, 8, "o1", "native", "prompt", "nudity", "rewrite", "j1"});
  store->delete_owner("o1");
  EXPECT_EQ(store->close_orphaned_flags(10), 1);
  const auto f = store->find_flag("f1");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->decision, "gone");
  EXPECT_TRUE(f->owner_id.empty());
  EXPECT_TRUE(f->blob_id.empty());
  const auto d = store->safety_decisions();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(d[0].owner_id.empty());
  EXPECT_TRUE(d[0].job_id.empty());
  EXPECT_EQ(d[0].category, "nudity");
  EXPECT_EQ(store->delete_moderation_log_before(11), 2);
  EXPECT_FALSE(store->find_flag("f1"));
}

}  // namespace
}  // namespace pixforge::service
