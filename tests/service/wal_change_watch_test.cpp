// WalChangeWatch: the wal-index header tells commits apart without a read transaction, from
// any connection, and a database it cannot watch is reported as unknown (never as unchanged).
#include "../../service/src/wal_change_watch.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>

#include "test_helpers.h"

namespace pixforge::service::sqlite {
namespace {

struct Connection {
  sqlite3* db = nullptr;
  explicit Connection(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  }
  ~Connection() { sqlite3_close(db); }
  void exec(const char* sql) const {
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  }
};

struct WalChangeWatchTest : ::testing::Test {
  testing::TempDir dir;
  std::string path = dir.path() + "/db.sqlite";
  std::unique_ptr<Connection> writer;
  void SetUp() override {
    writer = std::make_unique<Connection>(path);
    writer->exec("PRAGMA journal_mode=WAL");
    writer->exec("CREATE TABLE t (x INTEGER)");
  }
};

TEST_F(WalChangeWatchTest, StaysTheSameWithoutCommits) {
  WalChangeWatch watch(path);
  ASSERT_TRUE(watch.watching());
  const auto first = watch.generation();
  ASSERT_TRUE(first.has_value());
  Connection reader(path);
  reader.exec("SELECT count(*) FROM t");  // reads do not count
  EXPECT_EQ(watch.generation(), first);
  EXPECT_EQ(watch.generation(), first);
}

TEST_F(WalChangeWatchTest, EveryCommitOfAnyConnectionCounts) {
  WalChangeWatch watch(path);
  auto before = watch.generation();
  ASSERT_TRUE(before.has_value());
  writer->exec("INSERT INTO t VALUES (1)");
  auto after = watch.generation();
  ASSERT_TRUE(after.has_value());
  EXPECT_GT(*after, *before);
  // Another connection, as `pixforge admin` in another process.
  Connection other(path);
  other.exec("BEGIN IMMEDIATE; UPDATE t SET x = 2; COMMIT");
  const auto third = watch.generation();
  ASSERT_TRUE(third.has_value());
  EXPECT_GT(*third, *after);
  // A checkpoint that restarts the log, then a commit at its start, still counts.
  writer->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const auto checkpointed = watch.generation();
  writer->exec("INSERT INTO t VALUES (3)");
  const auto restarted = watch.generation();
  ASSERT_TRUE(checkpointed.has_value() && restarted.has_value());
  EXPECT_GT(*restarted, *checkpointed);
}

TEST_F(WalChangeWatchTest, AnUncommittedTransactionDoesNotCount) {
  WalChangeWatch watch(path);
  const auto before = watch.generation();
  writer->exec("BEGIN IMMEDIATE; INSERT INTO t VALUES (1)");
  EXPECT_EQ(watch.generation(), before);
  writer->exec("ROLLBACK");
  EXPECT_EQ(watch.generation(), before);
}

TEST_F(WalChangeWatchTest, ADatabaseWithoutSharedIndexIsUnknown) {
  WalChangeWatch missing(dir.path() + "/none.sqlite");
  EXPECT_FALSE(missing.watching());
  EXPECT_FALSE(missing.generation().has_value());
  // A rollback-journal database has no -shm file at all.
  Connection plain(dir.path() + "/plain.sqlite");
  plain.exec("CREATE TABLE t (x INTEGER)");
  EXPECT_FALSE(WalChangeWatch(dir.path() + "/plain.sqlite").generation().has_value());
}

TEST_F(WalChangeWatchTest, ATornOrForeignHeaderIsUnknown) {
  // A file in the -shm place that is not a wal-index (its two header copies disagree).
  const std::string fake = dir.path() + "/fake.sqlite";
  {
    std::FILE* f = std::fopen((fake + "-shm").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    for (int i = 0; i < 200; ++i) std::fputc(i, f);
    std::fclose(f);
  }
  WalChangeWatch watch(fake);
  EXPECT_TRUE(watch.watching());
  EXPECT_FALSE(watch.generation().has_value());
}

}  // namespace
}  // namespace pixforge::service::sqlite
