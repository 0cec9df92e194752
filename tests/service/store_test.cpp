// SQLite store, blob store and vault: migrations, cascades, crypto-shredding, audit chain,
// atomic quotas.
#include "pixforge/service/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "pixforge/service/blob_store.h"
#include "pixforge/service/vault.h"
#include "test_helpers.h"

namespace pixforge::service {
namespace {

struct StoreFixture : ::testing::Test {
  testing::TempDir dir;
  Key master = random_key();
  Key audit_key = testing::test_key(7);
  std::unique_ptr<Store> store = open_sqlite_store(dir.path() + "/db.sqlite", audit_key);
  Vault vault{*store, master};

  std::string make_owner(const std::string& id, const std::string& kind = "session") {
    store->create_owner({id, kind, vault.new_wrapped_key(id), 1000, 1000, false, false});
    return id;
  }
};

TEST_F(StoreFixture, MigratesOnceAndReopens) {
  make_owner("o1");
  store.reset();
  store = open_sqlite_store(dir.path() + "/db.sqlite", audit_key);
  EXPECT_TRUE(store->find_owner("o1").has_value());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/db.sqlite").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, nullptr);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
  sqlite3_finalize(s);
  sqlite3_close(db);
}

TEST_F(StoreFixture, P5_crypto_shredding_makes_copies_unreadable) {
  const std::string owner = make_owner("owner-a");
  const Bytes sealed = vault.seal_for(owner, "a secret prompt", "job:1");
  EXPECT_EQ(vault.open_for(owner, sealed, "job:1"), "a secret prompt");
  const Bytes copy = sealed;  // a copy that survived elsewhere (backup, stolen disk)
  vault.forget(owner);
  store->delete_owner(owner);
  EXPECT_FALSE(store->find_owner(owner).has_value());
  EXPECT_THROW(vault.open_for(owner, copy, "job:1"), OwnerGone);
  // The master key alone cannot open it either: the data key is gone.
  EXPECT_THROW(open(master, copy, "job:1"), std::runtime_error);
}

TEST_F(StoreFixture, P7_deleting_an_owner_cascades_to_every_row) {
  const std::string owner = make_owner("owner-b", "account");
  store->create_account({owner, "alice", vault.seal_for(owner, "a@example.org", "email"),
                         hash_password("pw"), "user", 1000, false});
  store->create_session({"sess-hash", owner, "csrf", 1000, 1000});
  store->add_consent({0, owner, 1, "web", 1000, 0});
  store->create_api_key({"k1", owner, "keyhash", "generate", 1, 1000, 0});
  store->create_job(
      {"j1", owner, "txt2img", "queued", Bytes{1}, Bytes{2}, "", "native", 1000, 0, 0, 0, false},
      {});
  store->add_blob({"b1", owner, "j1", "output", 1000, 10});
  store->set_training_use(owner, true, 2000);
  ASSERT_TRUE(store->consume_quota(owner, "2026-01-01", 1, 10));
  store->delete_owner(owner);
  EXPECT_FALSE(store->find_account(owner));
  EXPECT_FALSE(store->find_session("sess-hash"));
  EXPECT_TRUE(store->consents(owner).empty());
  EXPECT_FALSE(store->find_api_key("keyhash"));
  EXPECT_FALSE(store->find_job("j1"));
  EXPECT_FALSE(store->find_blob("b1"));
  EXPECT_TRUE(store->training_history(owner).empty());
}

TEST_F(StoreFixture, AllBlobsListsEveryRow) {
  // The start-up orphan sweep deletes files without rows: this list must be complete.
  make_owner("o1");
  make_owner("o2");
  store->add_blob({"b1", "o1", "", "output", 1, 1});
  store->add_blob({"b2", "o2", "", "upload", 2, 1});
  EXPECT_EQ(store->all_blobs().size(), 2u);
}

TEST_F(StoreFixture, JobBlobsListsOnlyThatJobsRows) {
  make_owner("o1");
  for (const char* job : {"j1", "j2"})
    store->create_job(
        {job, "o1", "txt2img", "queued", Bytes{1}, Bytes{2}, "", "native", 1000, 0, 0, 0, false},
        {});
  store->add_blob({"b1", "o1", "j1", "output", 1, 1});
  store->add_blob({"b2", "o1", "j2", "output", 2, 1});
  store->add_blob({"b3", "o1", "j1", "upload", 3, 1});
  const auto rows = store->job_blobs("j1");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].id, "b1");
  EXPECT_EQ(rows[1].id, "b3");
  EXPECT_TRUE(store->job_blobs("nope").empty());
}

TEST_F(StoreFixture, JobOutputsAreTheOwnersVisibleOutputsInOrderWithTheWithheldCount) {
  make_owner("o1");
  make_owner("o2");
  for (const char* job : {"j1", "j2"})
    store->create_job(
        {job, "o1", "txt2img", "succeeded", Bytes{1}, Bytes{2}, "", "native", 1000, 0, 0, 0, false},
        {});
  store->add_blob({"late", "o1", "j1", "output", 30, 1});
  store->add_blob({"early", "o1", "j1", "output", 10, 1});
  store->add_blob({"upload", "o1", "j1", "upload", 5, 1});
  store->add_blob({"other_job", "o1", "j2", "output", 20, 1});
  store->add_blob({"other_owner", "o2", "j1", "output", 15, 1});
  EXPECT_EQ(store->job_outputs("j1", "o1").image_ids, (std::vector<std::string>{"early", "late"}));
  EXPECT_EQ(store->job_outputs("j1", "o1").withheld, 0);
  // Two withheld images; releasing one makes it an output and leaves one withheld (P9).
  for (const char* id : {"f1", "f2"}) {
    FlagRow f;
    f.id = id;
    f.blob_id = std::string("img_") + id;
    f.owner_id = "o1";
    f.job_id = "j1";
    f.created_ms = 40;
    f.scores = "{}";
    f.top_class = "Porn";
    store->add_flagged_output({f.blob_id, "o1", "j1", "flagged", 40, 1}, f);
  }
  EXPECT_EQ(store->job_outputs("j1", "o1").withheld, 2);
  EXPECT_EQ(store->job_outputs("j1", "o1").image_ids.size(), 2u);
  ASSERT_TRUE(store->decide_flag("f1", "released", "mod", 50));
  const JobOutputs after = store->job_outputs("j1", "o1");
  EXPECT_EQ(after.withheld, 1);
  EXPECT_EQ(after.image_ids, (std::vector<std::string>{"early", "late", "img_f1"}));
  EXPECT_TRUE(store->job_outputs("nope", "o1").image_ids.empty());
  EXPECT_EQ(store->job_outputs("nope", "o1").withheld, 0);
}

TEST_F(StoreFixture, P14_request_log_rows_survive_full_and_partial_batches_intact) {
  // 64 rows go in as one multi-row INSERT, the rest one by one: every field of every row, in
  // order, whichever way it was written.
  for (int i = 0; i < 150; ++i)
    store->add_request_log({1000 + i, i % 2 ? "GET" : "POST", "/api/v1/jobs/" + std::to_string(i),
                            200 + i % 3, 10 + i, "127.0.0." + std::to_string(i % 7)});
  const auto rows = store->request_logs();
  ASSERT_EQ(rows.size(), 150u);
  for (int i = 0; i < 150; ++i) {
    const auto& r = rows[static_cast<std::size_t>(i)];
    EXPECT_EQ(r.at_ms, 1000 + i);
    EXPECT_EQ(r.method, i % 2 ? "GET" : "POST");
    EXPECT_EQ(r.endpoint, "/api/v1/jobs/" + std::to_string(i));
    EXPECT_EQ(r.status, 200 + i % 3);
    EXPECT_EQ(r.latency_us, 10 + i);
    EXPECT_EQ(r.ip, "127.0.0." + std::to_string(i % 7));
  }
}

TEST_F(StoreFixture, UsernamesAreUnique) {
  make_owner("o1", "account");
  make_owner("o2", "account");
  store->create_account({"o1", "bob", {}, "h", "user", 1, false});
  EXPECT_THROW(store->create_account({"o2", "bob", {}, "h", "user", 1, false}), StoreConflict);
}

TEST_F(StoreFixture, QueueClaimsInOrderAndRecoversInterruptedJobs) {
  const std::string owner = make_owner("o");
  for (int i = 0; i < 3; ++i)
    store->create_job({"j" + std::to_string(i),
                       owner,
                       "txt2img",
                       "queued",
                       Bytes{1},
                       {},
                       "",
                       "native",
                       100 + i,
                       0,
                       0,
                       0,
                       false},
                      {});
  EXPECT_EQ(store->queue_position("j0"), 0);
  EXPECT_EQ(store->queue_position("j2"), 2);
  auto first = store->claim_next_job(500);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->id, "j0");
  EXPECT_EQ(store->queue_position("j0"), -1);
  EXPECT_EQ(store->queue_position("j2"), 1);
  EXPECT_EQ(store->recover_interrupted_jobs(true), 1);
  EXPECT_EQ(store->find_job("j0")->state, "queued");
  store->claim_next_job(600);
  EXPECT_EQ(store->recover_interrupted_jobs(false), 1);
  EXPECT_EQ(store->find_job("j0")->state, "failed");
  EXPECT_EQ(store->find_job("j0")->error_code, "interrupted");
}

TEST_F(StoreFixture, P13_tampering_with_an_audit_row_breaks_the_chain) {
  for (int i = 0; i < 4; ++i) store->append_audit(1000 + i, "system", "login", "o", "ok");
  EXPECT_EQ(verify_audit_chain(audit_key, store->audit_rows()), -1);
  // The database refuses edits outright...
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/db.sqlite").c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "UPDATE audit_log SET event = 'x' WHERE seq = 2", 0, 0, 0), SQLITE_OK);
  // ...and someone who drops the triggers to edit a row is caught by the chain.
  ASSERT_EQ(sqlite3_exec(db, "DROP TRIGGER audit_no_update", 0, 0, 0), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE audit_log SET detail = 'forged' WHERE seq = 2", 0, 0, 0),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(verify_audit_chain(audit_key, store->audit_rows()), 1);
}

TEST_F(StoreFixture, P14_quotas_are_never_overspent_under_concurrency) {
  const std::string owner = make_owner("q");
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i)
        if (store->consume_quota(owner, "2026-01-01", 1, 50)) ++granted;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(granted.load(), 50);
  EXPECT_FALSE(store->consume_quota(owner, "2026-01-01", 1, 50));
  EXPECT_TRUE(store->consume_quota(owner, "2026-01-02", 1, 50));
}

TEST_F(StoreFixture, P15_analytics_table_has_no_user_or_ip_columns) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/db.sqlite").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('analytics')", -1, &s, nullptr);
  std::vector<std::string> cols;
  while (sqlite3_step(s) == SQLITE_ROW)
    cols.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  sqlite3_finalize(s);
  sqlite3_close(db);
  EXPECT_EQ(cols, (std::vector<std::string>{"day", "name", "value"}));
  store->bump_counter("2026-01-01", "generate.txt2img", 2);
  store->bump_counter("2026-01-01", "generate.txt2img", 3);
  EXPECT_EQ(store->counter("2026-01-01", "generate.txt2img"), 5);
}

TEST(BlobStore, WritesAtomicallyAndCleansTempFiles) {
  testing::TempDir dir;
  {
    BlobStore blobs(dir.path());
    blobs.put("abc", Bytes{1, 2, 3});
    EXPECT_EQ(*blobs.get("abc"), (Bytes{1, 2, 3}));
    EXPECT_FALSE(blobs.get("missing"));
    EXPECT_THROW(blobs.put("../escape", Bytes{1}), std::invalid_argument);
    // A crash mid-write leaves only a temp file, which is never visible as a blob.
    std::ofstream(dir.path() + "/tmp/half") << "partial";
    EXPECT_EQ(blobs.list(), std::vector<std::string>{"abc"});
  }
  BlobStore reopened(dir.path());
  EXPECT_EQ(reopened.removed_temp_files(), 1);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/tmp/half"));
  reopened.remove("abc");
  EXPECT_TRUE(reopened.list().empty());
}

}  // namespace
}  // namespace pixforge::service
