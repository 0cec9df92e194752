// Store on SQLite: one writer connection guarded by a mutex (SQLite serialises writers anyway),
// and a pool of read-only connections for the lookups every request makes (session, owner,
// job, its images), which WAL lets run beside the writer without taking its lock; readers of
// other processes (the CLI) never block either. The lookups of nearly every request (session,
// owner, API key, job, job outputs) are answered from memory while the database is unchanged
// (read_cache.h, wal_change_watch.h); their read_* twins go to SQLite.
#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>

#include "pixforge/service/store.h"
#include "read_cache.h"
#include "sqlite_db.h"
#include "sqlite_moderation.h"
#include "sqlite_schema.h"

namespace pixforge::service {
namespace {

using sqlite::Stmt;

// The owner columns (kOwnerCols) starting at column `at`.
OwnerRow read_owner(const Stmt& s, int at = 0) {
  return {s.text(at),    s.text(at + 1),     s.blob(at + 2),    s.i64(at + 3),
          s.i64(at + 4), s.i32(at + 5) != 0, s.i32(at + 6) != 0};
}
constexpr const char* kOwnerCols =
    "id, kind, wrapped_key, created_ms, last_active_ms, training_use, restricted";
constexpr const char* kOwnerColsO =  // the same, from `owners o` in a join
    "o.id, o.kind, o.wrapped_key, o.created_ms, o.last_active_ms, o.training_use, o.restricted";

AccountRow read_account(const Stmt& s) {
  return {s.text(0), s.text(1), s.blob(2), s.text(3), s.text(4), s.i64(5), s.i32(6) != 0};
}
constexpr const char* kAccountCols =
    "owner_id, username, email_sealed, password_hash, role, age_confirmed_ms, premium";

JobRow read_job(const Stmt& s) {
  JobRow j;
  j.id = s.text(0);
  j.owner_id = s.text(1);
  j.kind = s.text(2);
  j.state = s.text(3);
  j.params_sealed = s.blob(4);
  j.prompt_sealed = s.blob(5);
  j.error_code = s.text(6);
  j.api = s.text(7);
  j.created_ms = s.i64(8);
  j.started_ms = s.i64(9);
  j.finished_ms = s.i64(10);
  j.returned_ms = s.i64(11);
  j.cancel_requested = s.i32(12) != 0;
  j.safety_action = s.text(13);
  j.safety_category = s.text(14);
  return j;
}
constexpr const char* kJobCols =
    "id, owner_id, kind, state, params_sealed, prompt_sealed, error_code, api, created_ms, "
    "started_ms, finished_ms, returned_ms, cancel_requested, safety_action, safety_category";

using sqlite::kBlobCols;
using sqlite::read_blob;

ApiKeyRow read_key(const Stmt& s) {
  return {s.text(0), s.text(1), s.text(2), s.text(3), s.i32(4), s.i64(5), s.i64(6)};
}
constexpr const char* kKeyCols =
    "id, owner_id, key_hash, scopes, notice_version, created_ms, revoked_ms";

std::string sql(const char* a, const char* cols, const char* b) {
  return std::string(a) + cols + b;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::string& path, const Key& audit_key) : audit_key_(audit_key) {
    if (sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("cannot open database " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 5000);
    sqlite::exec(db_, "PRAGMA journal_mode=WAL");
    sqlite::exec(db_, "PRAGMA foreign_keys=ON");
    sqlite::exec(db_, "PRAGMA secure_delete=ON");
    sqlite::exec(db_, "PRAGMA synchronous=NORMAL");
    migrate();
    readers_ = std::make_unique<sqlite::ReaderPool>(path);
  }
  std::unique_ptr<ReadScope> read_scope() override {
    struct Scope final : ReadScope {
      explicit Scope(sqlite::ReaderPool& pool) : batch(pool) {}
      sqlite::ReadBatch batch;
    };
    return std::make_unique<Scope>(*readers_);
  }
  ~SqliteStore() override {
    flush_request_logs();
    // Readers close first, so that the writer is the last connection: its close checkpoints
    // the WAL into the main file and removes it (read-only connections cannot).
    readers_.reset();
    sqlite::forget_statements(db_);
    sqlite3_close(db_);
  }

  // --- owners -----------------------------------------------------------------------------
  void create_owner(const OwnerRow& o) override {
    auto lock = write_lock();
    Stmt s(db_,
           "INSERT INTO owners (id, kind, wrapped_key, created_ms, last_active_ms, training_use, "
           "restricted) VALUES (?,?,?,?,?,?,?)");
    s.bind(1, o.id).bind(2, o.kind).bind(3, o.wrapped_key).bind(4, o.created_ms);
    s.bind(5, o.last_active_ms).bind(6, o.training_use).bind(7, o.restricted).run();
  }
  std::optional<OwnerRow> find_owner(const std::string& id) override {
    return cached(owners_cache_, id, [&] { return read_owner_row(id); });
  }
  std::optional<OwnerRow> read_owner_row(const std::string& id) {
    sqlite::Reader r(*readers_);
    static const std::string q = sql("SELECT ", kOwnerCols, " FROM owners WHERE id = ?");
    Stmt s(r.db(), q.c_str());
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_owner(s);
  }
  void touch_owner(const std::string& id, std::int64_t now) override {
    auto lock = write_lock();
    Stmt(db_, "UPDATE owners SET last_active_ms = ? WHERE id = ?").bind(1, now).bind(2, id).run();
  }
  void delete_owner(const std::string& id) override {
    auto lock = write_lock();
    Stmt(db_, "DELETE FROM owners WHERE id = ?").bind(1, id).run();
    // Move the deletion out of the WAL into the main file (where secure_delete zeroed the
    // freed pages), so the destroyed wrapped key does not survive in the log.
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  }
  void set_training_use(const std::string& id, bool value, std::int64_t now) override {
    auto lock = write_lock();
    sqlite::Transaction tx(db_);
    Stmt(db_, "UPDATE owners SET training_use = ? WHERE id = ?").bind(1, value).bind(2, id).run();
    Stmt(db_, "INSERT INTO training_history (owner_id, value, at_ms) VALUES (?,?,?)")
        .bind(1, id)
        .bind(2, value)
        .bind(3, now)
        .run();
    tx.commit();
  }
  std::vector<TrainingChange> training_history(const std::string& id) override {
    auto lock = write_lock();
    Stmt s(db_, "SELECT value, at_ms FROM training_history WHERE owner_id = ? ORDER BY id");
    s.bind(1, id);
    std::vector<TrainingChange> out;
    while (s.step()) out.push_back({s.i32(0) != 0, s.i64(1)});
    return out;
  }
  void set_restricted(const std::string& id, bool value) override {
    auto lock = write_lock();
    Stmt(db_, "UPDATE owners SET restricted = ? WHERE id = ?").bind(1, value).bind(2, id).run();
  }
  std::vector<OwnerRow> idle_owners(const std::string& kind, std::int64_t before) override {
    auto lock = write_lock();
    // Premium accounts are kept regardless of inactivity (P3).
    Stmt s(db_, sql("SELECT ", kOwnerCols,
                    " FROM owners WHERE kind = ? AND last_active_ms < ? AND id NOT IN "
                    "(SELECT owner_id FROM accounts WHERE premium = 1)")
                    .c_str());
    s.bind(1, kind).bind(2, before);
    std::vector<OwnerRow> out;
    while (s.step()) out.push_back(read_owner(s));
    return out;
  }

  // --- accounts ---------------------------------------------------------------------------
  void create_account(const AccountRow& a) override {
    auto lock = write_lock();
    Stmt s(db_, sql("INSERT INTO accounts (", kAccountCols, ") VALUES (?,?,?,?,?,?,?)").c_str());
    s.bind(1, a.owner_id).bind(2, a.username).bind(3, a.email_sealed).bind(4, a.password_hash);
    s.bind(5, a.role).bind(6, a.age_confirmed_ms).bind(7, a.premium);
    try {
      s.run();
    } catch (const Stmt::ConstraintError&) {
      throw StoreConflict("username is taken");
    }
  }
  std::optional<AccountRow> find_account(const std::string& owner_id) override {
    return account_where("owner_id", owner_id);
  }
  std::optional<AccountRow> find_account_by_username(const std::string& username) override {
    return account_where("username", username);
  }
  void update_account_email(const std::string& owner_id, const Bytes& email) override {
    auto lock = write_lock();
    Stmt(db_, "UPDATE accounts SET email_sealed = ? WHERE owner_id = ?")
        .bind(1, email)
        .bind(2, owner_id)
        .run();
  }
  void set_role(const std::string& owner_id, const std::string& role) override {
    auto lock = write_lock();
    Stmt(db_, "UPDATE accounts SET role = ? WHERE owner_id = ?")
        .bind(1, role)
        .bind(2, owner_id)
        .run();
  }

  // --- sessions ---------------------------------------------------------------------------
  void create_session(const SessionRow& r) override {
    auto lock = write_lock();
    Stmt(db_,
         "INSERT INTO sessions (token_hash, owner_id, csrf_token, created_ms, last_seen_ms) "
         "VALUES (?,?,?,?,?)")
        .bind(1, r.token_hash)
        .bind(2, r.owner_id)
        .bind(3, r.csrf_token)
        .bind(4, r.created_ms)
        .bind(5, r.last_seen_ms)
        .run();
  }
  std::optional<SessionRow> find_session(const std::string& token_hash) override {
    sqlite::Reader r(*readers_);
    Stmt s(r.db(),
           "SELECT token_hash, owner_id, csrf_token, created_ms, last_seen_ms FROM sessions "
           "WHERE token_hash = ?");
    s.bind(1, token_hash);
    if (!s.step()) return std::nullopt;
    return SessionRow{s.text(0), s.text(1), s.text(2), s.i64(3), s.i64(4)};
  }
  std::optional<SessionOwner> find_session_owner(const std::string& token_hash) override {
    return cached(sessions_cache_, token_hash, [&] { return read_session_owner(token_hash); });
  }
  std::optional<SessionOwner> read_session_owner(const std::string& token_hash) {
    // One statement (one read transaction) instead of three on every request with a cookie.
    static const std::string q =
        "SELECT s.token_hash, s.owner_id, s.csrf_token, s.created_ms, s.last_seen_ms, o.id IS NOT "
        "NULL, " +
        sql("", kOwnerColsO, ", a.role FROM sessions s LEFT JOIN owners o ON o.id = s.owner_id ") +
        "LEFT JOIN accounts a ON a.owner_id = s.owner_id WHERE s.token_hash = ?";
    sqlite::Reader r(*readers_);
    Stmt s(r.db(), q.c_str());
    s.bind(1, token_hash);
    if (!s.step()) return std::nullopt;
    SessionOwner out{{s.text(0), s.text(1), s.text(2), s.i64(3), s.i64(4)}, std::nullopt, "user"};
    if (s.i32(5) != 0) {
      out.owner = read_owner(s, 6);
      if (out.owner->kind == "account" && !s.is_null(13)) out.role = s.text(13);
    }
    return out;
  }
  void touch_session(const std::string& token_hash, std::int64_t now) override {
    auto lock = write_lock();
    Stmt(db_, "UPDATE sessions SET last_seen_ms = ? WHERE token_hash = ?")
        .bind(1, now)
        .bind(2, token_hash)
        .run();
  }
  void delete_session(const std::string& token_hash) override {
    auto lock = write_lock();
    Stmt(db_, "DELETE FROM sessions WHERE token_hash = ?").bind(1, token_hash).run();
  }

  // --- consent ----------------------------------------------------------------------------
  void add_consent(const ConsentRow& c) override {
    auto lock = write_lock();
    Stmt(db_, "INSERT INTO consents (owner_id, notice_version, scope, given_ms) VALUES (?,?,?,?)")
        .bind(1, c.owner_id)
        .bind(2, c.notice_version)
        .bind(3, c.scope)
        .bind(4, c.given_ms)
        .run();
  }
  void withdraw_consents(const std::string& owner_id, const std::string& scope,
                         std::int64_t now) override {
    auto lock = write_lock();
    Stmt(db_,
         "UPDATE consents SET withdrawn_ms = ? WHERE owner_id = ? AND scope = ? AND "
         "withdrawn_ms = 0")
        .bind(1, now)
        .bind(2, owner_id)
        .bind(3, scope)
        .run();
  }
  std::vector<ConsentRow> consents(const std::string& owner_id) override {
    sqlite::Reader r(*readers_);
    Stmt s(r.db(),
           "SELECT id, owner_id, notice_version, scope, given_ms, withdrawn_ms FROM consents "
           "WHERE owner_id = ? ORDER BY id");
    s.bind(1, owner_id);
    std::vector<ConsentRow> out;
    while (s.step()) out.push_back({s.i64(0), s.text(1), s.i32(2), s.text(3), s.i64(4), s.i64(5)});
    return out;
  }

  // --- API keys ---------------------------------------------------------------------------
  void create_api_key(const ApiKeyRow& k) override {
    auto lock = write_lock();
    Stmt(db_, sql("INSERT INTO api_keys (", kKeyCols, ") VALUES (?,?,?,?,?,?,?)").c_str())
        .bind(1, k.id)
        .bind(2, k.owner_id)
        .bind(3, k.key_hash)
        .bind(4, k.scopes)
        .bind(5, k.notice_version)
        .bind(6, k.created_ms)
        .bind(7, k.revoked_ms)
        .run();
  }
  std::optional<ApiKeyRow> find_api_key(const std::string& key_hash) override {
    return cached(keys_cache_, key_hash, [&] { return read_api_key(key_hash); });
  }
  std::optional<ApiKeyRow> read_api_key(const std::string& key_hash) {
    sqlite::Reader r(*readers_);
    static const std::string q = sql("SELECT ", kKeyCols, " FROM api_keys WHERE key_hash = ?");
    Stmt s(r.db(), q.c_str());
    s.bind(1, key_hash);
    if (!s.step()) return std::nullopt;
    return read_key(s);
  }
  std::vector<ApiKeyRow> api_keys(const std::string& owner_id) override {
    auto lock = write_lock();
    Stmt s(
        db_,
        sql("SELECT ", kKeyCols, " FROM api_keys WHERE owner_id = ? ORDER BY created_ms").c_str());
    s.bind(1, owner_id);
    std::vector<ApiKeyRow> out;
    while (s.step()) out.push_back(read_key(s));
    return out;
  }
  bool revoke_api_key(const std::string& owner_id, const std::string& id,
                      std::int64_t now) override {
    auto lock = write_lock();
    Stmt(db_, "UPDATE api_keys SET revoked_ms = ? WHERE owner_id = ? AND id = ? AND revoked_ms = 0")
        .bind(1, now)
        .bind(2, owner_id)
        .bind(3, id)
        .run();
    return sqlite3_changes(db_) > 0;
  }
  void renew_api_key_consent(const std::string& owner_id, const std::string& id,
                             int version) override {
    auto lock = write_lock();
    Stmt(db_, "UPDATE api_keys SET notice_version = ? WHERE owner_id = ? AND id = ?")
        .bind(1, version)
        .bind(2, owner_id)
        .bind(3, id)
        .run();
  }

  // --- jobs -------------------------------------------------------------------------------
  void create_job(const JobRow& j, const std::vector<BlobRow>& uploads) override {
    auto lock = write_lock();
    sqlite::Transaction tx(db_);
    insert_job(j);
    for (const auto& b : uploads) insert_blob(b);
    tx.commit();
  }
  void insert_job(const JobRow& j) {
    Stmt s(db_,
           sql("INSERT INTO jobs (", kJobCols, ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)").c_str());
    s.bind(1, j.id).bind(2, j.owner_id).bind(3, j.kind).bind(4, j.state).bind(5, j.params_sealed);
    s.bind(6, j.prompt_sealed).bind(7, j.error_code).bind(8, j.api).bind(9, j.created_ms);
    s.bind(10, j.started_ms).bind(11, j.finished_ms).bind(12, j.returned_ms);
    s.bind(13, j.cancel_requested).bind(14, j.safety_action).bind(15, j.safety_category).run();
  }
  std::optional<JobRow> find_job(const std::string& id) override {
    return cached(jobs_cache_, id, [&] { return read_job_row(id); });
  }
  std::optional<JobRow> read_job_row(const std::string& id) {
    sqlite::Reader r(*readers_);
    static const std::string q = sql("SELECT ", kJobCols, " FROM jobs WHERE id = ?");
    Stmt s(r.db(), q.c_str());
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_job(s);
  }
  std::vector<JobRow> jobs(const std::string& owner_id) override {
    sqlite::Reader r(*readers_);
    Stmt s(r.db(),
           sql("SELECT ", kJobCols, " FROM jobs WHERE owner_id = ? ORDER BY created_ms").c_str());
    s.bind(1, owner_id);
    std::vector<JobRow> out;
    while (s.step()) out.push_back(read_job(s));
    return out;
  }
  std::optional<JobRow> claim_next_job(std::int64_t now) override {
    auto lock = write_lock();
    sqlite::Transaction tx(db_);
    Stmt s(db_, sql("SELECT ", kJobCols,
                    " FROM jobs WHERE state = 'queued' ORDER BY created_ms, rowid LIMIT 1")
                    .c_str());
    if (!s.step()) return std::nullopt;
    JobRow j = read_job(s);
    Stmt(db_, "UPDATE jobs SET state = 'running', started_ms = ? WHERE id = ?")
        .bind(1, now)
        .bind(2, j.id)
        .run();
    tx.commit();
    j.state = "running";
    j.started_ms = now;
    return j;
  }
  void finish_job(const std::string& id, const std::string& state, const std::string& error,
                  std::int64_t now) override {
    auto lock = write_lock();
    Stmt(db_, "UPDATE jobs SET state = ?, error_code = ?, finished_ms = ? WHERE id = ?")
        .bind(1, state)
        .bind(2, error)
        .bind(3, now)
        .bind(4, id)
        .run();
  }
  bool request_cancel(const std::string& id) override {
    auto lock = write_lock();
    Stmt(db_,
         "UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND state IN ('queued', 'running')")
        .bind(1, id)
        .run();
    return sqlite3_changes(db_) > 0;
  }
  void mark_returned(const std::string& id, std::int64_t now) override {
    auto lock = write_lock();
    Stmt(db_, "UPDATE jobs SET returned_ms = ? WHERE id = ? AND returned_ms = 0")
        .bind(1, now)
        .bind(2, id)
        .run();
  }
  int queue_position(const std::string& id) override {
    sqlite::Reader r(*readers_);
    Stmt s(r.db(),
           "SELECT (SELECT COUNT(*) FROM jobs q WHERE q.state = 'queued' AND "
           "(q.created_ms < j.created_ms OR (q.created_ms = j.created_ms AND q.rowid < j.rowid))) "
           "FROM jobs j WHERE j.id = ? AND j.state = 'queued'");
    s.bind(1, id);
    return s.step() ? s.i32(0) : -1;
  }
  int recover_interrupted_jobs(bool requeue) override {
    auto lock = write_lock();
    if (requeue)
      sqlite::exec(db_, "UPDATE jobs SET state = 'queued', started_ms = 0 WHERE state = 'running'");
    else
      sqlite::exec(db_,
                   "UPDATE jobs SET state = 'failed', error_code = 'interrupted' WHERE state = "
                   "'running'");
    return sqlite3_changes(db_);
  }
  void delete_job(const std::string& id) override {
    auto lock = write_lock();
    Stmt(db_, "DELETE FROM jobs WHERE id = ?").bind(1, id).run();
  }
  int purge_prompts(std::int64_t returned_before, std::int64_t finished_before) override {
    auto lock = write_lock();
    // A prompt goes 24 h after its result was returned; a result never fetched still may not
    // keep the prompt longer than 24 h after the job ended.
    Stmt(db_,
         "UPDATE jobs SET prompt_sealed = NULL WHERE prompt_sealed IS NOT NULL AND "
         "((returned_ms > 0 AND returned_ms < ?) OR (finished_ms > 0 AND finished_ms < ?))")
        .bind(1, returned_before)
        .bind(2, finished_before)
        .run();
    return sqlite3_changes(db_);
  }

  // --- blobs ------------------------------------------------------------------------------
  void add_blob(const BlobRow& b) override {
    auto lock = write_lock();
    insert_blob(b);
  }
  void insert_blob(const BlobRow& b) { sqlite::insert_blob(db_, b); }
  std::optional<BlobRow> find_blob(const std::string& id) override {
    static const std::string q = blobs_sql("b.id = ?");
    auto rows = blobs_query(q, id);
    if (rows.empty()) return std::nullopt;
    return rows.front();
  }
  std::vector<BlobRow> blobs(const std::string& owner_id) override {
    static const std::string q = blobs_sql("b.owner_id = ?");
    return blobs_query(q, owner_id);
  }
  std::vector<BlobRow> job_blobs(const std::string& job_id) override {
    static const std::string q = blobs_sql("b.job_id = ?");
    return blobs_query(q, job_id);
  }
  JobOutputs job_outputs(const std::string& job_id, const std::string& owner_id) override {
    return cached(outputs_cache_, job_id + '\n' + owner_id,
                  [&] { return read_job_outputs(job_id, owner_id); });
  }
  JobOutputs read_job_outputs(const std::string& job_id, const std::string& owner_id) {
    // One statement instead of the blob list and the flag list: the withheld count comes first
    // (its created_ms is 0), then the visible outputs in creation order.
    static constexpr const char* q =
        "SELECT NULL, (SELECT count(*) FROM moderation_flags WHERE job_id = ?1 AND decision <> "
        "'released'), 0 UNION ALL SELECT id, 0, created_ms FROM blobs WHERE job_id = ?1 AND "
        "owner_id = ?2 AND kind = 'output' ORDER BY 3";
    sqlite::Reader r(*readers_);
    Stmt s(r.db(), q);
    s.bind(1, job_id).bind(2, owner_id);
    JobOutputs out;
    while (s.step()) {
      if (s.is_null(0))
        out.withheld = s.i32(1);
      else
        out.image_ids.push_back(s.text(0));
    }
    return out;
  }
  std::vector<BlobRow> all_blobs() override {
    static const std::string q = blobs_sql("b.id <> ?");
    return blobs_query(q, "");
  }
  void delete_blob(const std::string& id) override {
    auto lock = write_lock();
    Stmt(db_, "DELETE FROM blobs WHERE id = ?").bind(1, id).run();
  }
  std::vector<BlobRow> expired_uploads(std::int64_t before) override {
    auto lock = write_lock();
    // An upload whose job is gone (deleted) is expired too: nothing can use it any more.
    Stmt s(db_, sql("SELECT ", kBlobCols,
                    " FROM blobs b LEFT JOIN jobs j ON j.id = b.job_id WHERE b.kind = 'upload' "
                    "AND ((j.id IS NULL AND b.created_ms < ?) OR (j.finished_ms > 0 AND "
                    "j.finished_ms < ?))")
                    .c_str());
    s.bind(1, before).bind(2, before);
    std::vector<BlobRow> out;
    while (s.step()) out.push_back(read_blob(s));
    return out;
  }
  std::vector<BlobRow> expired_outputs(const std::string& owner_kind,
                                       std::int64_t before) override {
    auto lock = write_lock();
    Stmt s(db_, sql("SELECT ", kBlobCols,
                    " FROM blobs b JOIN owners o ON o.id = b.owner_id WHERE b.kind = 'output' "
                    "AND o.kind = ? AND b.created_ms < ?")
                    .c_str());
    s.bind(1, owner_kind).bind(2, before);
    std::vector<BlobRow> out;
    while (s.step()) out.push_back(read_blob(s));
    return out;
  }

  // --- moderation, prompt safety, showcase (sqlite_moderation.cpp) --------------------------
  void add_flagged_output(const BlobRow& blob, const FlagRow& flag) override {
    auto lock = write_lock();
    sqlite::add_flagged_output(db_, blob, flag);
  }
  std::optional<FlagRow> find_flag(const std::string& id) override {
    auto lock = write_lock();
    return sqlite::find_flag(db_, id);
  }
  std::vector<FlagRow> flags(const std::string& decision, int limit) override {
    auto lock = write_lock();
    return sqlite::flags(db_, decision, limit);
  }
  std::vector<FlagRow> job_flags(const std::string& job_id) override {
    sqlite::Reader r(*readers_);
    return sqlite::job_flags(r.db(), job_id);
  }
  bool decide_flag(const std::string& id, const std::string& decision, const std::string& by,
                   std::int64_t now) override {
    auto lock = write_lock();
    return sqlite::decide_flag(db_, id, decision, by, now);
  }
  std::vector<FlagRow> pending_flags_before(std::int64_t before) override {
    auto lock = write_lock();
    return sqlite::pending_flags_before(db_, before);
  }
  int close_orphaned_flags(std::int64_t now) override {
    auto lock = write_lock();
    return sqlite::close_orphaned_flags(db_, now);
  }
  int delete_moderation_log_before(std::int64_t before) override {
    auto lock = write_lock();
    return sqlite::delete_moderation_log_before(db_, before);
  }
  void add_safety_decision(const SafetyDecisionRow& row) override {
    auto lock = write_lock();
    sqlite::add_safety_decision(db_, row);
  }
  std::vector<SafetyDecisionRow> safety_decisions() override {
    auto lock = write_lock();
    return sqlite::safety_decisions(db_);
  }
  bool set_showcase(const std::string& blob_id, const std::string& owner_id,
                    std::int64_t at) override {
    auto lock = write_lock();
    return sqlite::set_showcase(db_, blob_id, owner_id, at);
  }
  std::vector<BlobRow> showcase(int limit) override {
    auto lock = write_lock();
    return sqlite::showcase(db_, limit);
  }

  // --- audit ------------------------------------------------------------------------------
  AuditRow append_audit(std::int64_t at, const std::string& actor, const std::string& event,
                        const std::string& subject, const std::string& detail) override {
    auto lock = write_lock();
    sqlite::Transaction tx(db_);
    AuditRow row{0, at, actor, event, subject, detail, "", ""};
    Stmt last(db_, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    if (last.step()) {
      row.seq = last.i64(0) + 1;
      row.prev_hash = last.text(1);
    } else {
      row.seq = 1;
      row.prev_hash = std::string(64, '0');
    }
    row.hash = audit_hash(audit_key_, row);
    Stmt(db_,
         "INSERT INTO audit_log (seq, at_ms, actor, event, subject, detail, prev_hash, hash) "
         "VALUES (?,?,?,?,?,?,?,?)")
        .bind(1, row.seq)
        .bind(2, row.at_ms)
        .bind(3, row.actor)
        .bind(4, row.event)
        .bind(5, row.subject)
        .bind(6, row.detail)
        .bind(7, row.prev_hash)
        .bind(8, row.hash)
        .run();
    tx.commit();
    return row;
  }
  std::vector<AuditRow> audit_rows() override {
    auto lock = write_lock();
    Stmt s(db_,
           "SELECT seq, at_ms, actor, event, subject, detail, prev_hash, hash FROM audit_log "
           "ORDER BY seq");
    std::vector<AuditRow> out;
    while (s.step())
      out.push_back(
          {s.i64(0), s.i64(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7)});
    return out;
  }

  // --- request log, analytics, quotas ------------------------------------------------------
  // Every request writes a row, so one INSERT (and commit) per request held the store's lock on
  // every GET. Rows are buffered and written in one transaction per batch instead: when the
  // batch is full, when its oldest row is a second old (checked at the next request), before any
  // read of the table, and at shutdown. A crash loses at most one unwritten batch of these
  // operational rows (they hold no user content; P14).
  void add_request_log(const RequestLogRow& r) override {
    std::vector<RequestLogRow> batch;
    {
      std::lock_guard lock(log_mu_);
      if (pending_logs_.empty()) pending_since_ms_ = r.at_ms;
      pending_logs_.push_back(r);
      if (pending_logs_.size() < kRequestLogBatch && r.at_ms - pending_since_ms_ < 1000) return;
      batch.swap(pending_logs_);
    }
    write_request_logs(batch);
  }
  void flush_request_logs() {
    std::vector<RequestLogRow> batch;
    {
      std::lock_guard lock(log_mu_);
      batch.swap(pending_logs_);
    }
    write_request_logs(batch);
  }
  void write_request_logs(const std::vector<RequestLogRow>& batch) {
    if (batch.empty()) return;
    // A full batch is one INSERT of kRequestLogBatch rows (one statement step instead of one
    // per request); a partial one, flushed by time, goes row by row.
    static const std::string one_row =
        "INSERT INTO request_log (at_ms, method, endpoint, status, latency_us, ip) VALUES "
        "(?,?,?,?,?,?)";
    static const std::string full_batch = [] {
      std::string q = one_row;
      for (std::size_t i = 1; i < kRequestLogBatch; ++i) q += ",(?,?,?,?,?,?)";
      return q;
    }();
    auto lock = write_lock();
    // A full batch is one statement, atomic on its own; a partial one needs the transaction.
    std::optional<sqlite::Transaction> tx;
    if (batch.size() != kRequestLogBatch) tx.emplace(db_);
    std::size_t next = 0;
    while (next < batch.size()) {
      const std::size_t rows = batch.size() - next >= kRequestLogBatch ? kRequestLogBatch : 1;
      Stmt s(db_, (rows == 1 ? one_row : full_batch).c_str());
      for (std::size_t i = 0; i < rows; ++i) {
        const RequestLogRow& r = batch[next + i];
        const int at = static_cast<int>(i) * 6;
        s.bind(at + 1, r.at_ms).bind(at + 2, r.method).bind(at + 3, r.endpoint);
        s.bind(at + 4, r.status).bind(at + 5, r.latency_us).bind(at + 6, r.ip);
      }
      s.run();
      next += rows;
    }
    if (tx) tx->commit();
  }
  std::vector<RequestLogRow> request_logs() override {
    flush_request_logs();
    auto lock = write_lock();
    Stmt s(db_,
           "SELECT at_ms, method, endpoint, status, latency_us, ip FROM request_log ORDER BY id");
    std::vector<RequestLogRow> out;
    while (s.step()) out.push_back({s.i64(0), s.text(1), s.text(2), s.i32(3), s.i64(4), s.text(5)});
    return out;
  }
  int delete_request_logs_before(std::int64_t before) override {
    flush_request_logs();
    auto lock = write_lock();
    Stmt(db_, "DELETE FROM request_log WHERE at_ms < ?").bind(1, before).run();
    return sqlite3_changes(db_);
  }
  void bump_counter(const std::string& day, const std::string& name, std::int64_t n) override {
    auto lock = write_lock();
    Stmt(db_,
         "INSERT INTO analytics (day, name, value) VALUES (?,?,?) ON CONFLICT(day, name) DO "
         "UPDATE SET value = value + excluded.value")
        .bind(1, day)
        .bind(2, name)
        .bind(3, n)
        .run();
  }
  std::int64_t counter(const std::string& day, const std::string& name) override {
    sqlite::Reader r(*readers_);
    Stmt s(r.db(), "SELECT value FROM analytics WHERE day = ? AND name = ?");
    s.bind(1, day).bind(2, name);
    return s.step() ? s.i64(0) : 0;
  }
  int delete_counters_before(const std::string& day) override {
    auto lock = write_lock();
    Stmt(db_, "DELETE FROM analytics WHERE day < ?").bind(1, day).run();
    return sqlite3_changes(db_);
  }
  bool consume_quota(const std::string& owner_id, const std::string& day, std::int64_t n,
                     std::int64_t limit) override {
    auto lock = write_lock();
    // One statement: the check and the increment cannot interleave with another request's.
    Stmt(db_,
         "INSERT INTO quota_usage (owner_id, day, used) SELECT ?1, ?2, ?3 WHERE ?3 <= ?4 "
         "ON CONFLICT(owner_id, day) DO UPDATE SET used = used + ?3 WHERE used + ?3 <= ?4")
        .bind(1, owner_id)
        .bind(2, day)
        .bind(3, n)
        .bind(4, limit)
        .run();
    return sqlite3_changes(db_) > 0;
  }

  std::int64_t oldest(const std::string& category) override {
    static const std::pair<const char*, const char*> queries[] = {
        // Each query returns when the retention clock of the oldest held item started, by the
        // same rule the sweeper applies.
        {"uploads",
         "SELECT MIN(CASE WHEN j.id IS NULL THEN b.created_ms ELSE j.finished_ms END) FROM blobs "
         "b LEFT JOIN jobs j ON j.id = b.job_id WHERE b.kind = 'upload' AND (j.id IS NULL OR "
         "j.finished_ms > 0)"},
        {"prompts",
         "SELECT MIN(CASE WHEN returned_ms > 0 AND (finished_ms = 0 OR returned_ms < "
         "finished_ms) THEN returned_ms ELSE finished_ms END) FROM jobs WHERE prompt_sealed IS "
         "NOT NULL AND (finished_ms > 0 OR returned_ms > 0)"},
        {"outputs_anonymous",
         "SELECT MIN(b.created_ms) FROM blobs b JOIN owners o ON o.id = b.owner_id WHERE "
         "b.kind = 'output' AND o.kind = 'session'"},
        {"account_content",
         "SELECT MIN(o.last_active_ms) FROM owners o WHERE o.kind = 'account' AND o.id NOT IN "
         "(SELECT owner_id FROM accounts WHERE premium = 1) AND (EXISTS (SELECT 1 FROM blobs b "
         "WHERE b.owner_id = o.id) OR EXISTS (SELECT 1 FROM jobs j WHERE j.owner_id = o.id))"},
        {"request_logs", "SELECT MIN(at_ms) FROM request_log"},
        {"sessions", "SELECT MIN(last_active_ms) FROM owners WHERE kind = 'session'"},
        {"flagged_images", "SELECT MIN(created_ms) FROM blobs WHERE kind = 'flagged'"},
        {"moderation_log",
         "SELECT MIN(t) FROM (SELECT MIN(created_ms) AS t FROM moderation_flags WHERE decision "
         "<> 'pending' UNION ALL SELECT MIN(at_ms) FROM safety_decisions)"},
    };
    if (category == "request_logs") flush_request_logs();
    auto lock = write_lock();
    for (const auto& [name, query] : queries) {
      if (category != name) continue;
      Stmt s(db_, query);
      return s.step() ? s.i64(0) : 0;
    }
    throw std::invalid_argument("unknown data category: " + category);
  }

 private:
  void migrate() {
    // The statement is finished before migrating: DROP TABLE fails while any statement runs.
    const auto have = [&] {
      Stmt v(db_, "PRAGMA user_version");
      v.step();
      return static_cast<std::size_t>(v.i64(0));
    }();
    if (have > sqlite::kMigrations.size())
      throw std::runtime_error("database schema version " + std::to_string(have) +
                               " is newer than this build supports (" +
                               std::to_string(sqlite::kMigrations.size()) + ")");
    for (std::size_t i = have; i < sqlite::kMigrations.size(); ++i) {
      sqlite::Transaction tx(db_);
      sqlite::exec(db_, sqlite::kMigrations[i]);
      sqlite::exec(db_, ("PRAGMA user_version = " + std::to_string(i + 1)).c_str());
      tx.commit();
    }
  }
  std::optional<AccountRow> account_where(const char* column, const std::string& value) {
    sqlite::Reader r(*readers_);
    Stmt s(r.db(),
           (std::string("SELECT ") + kAccountCols + " FROM accounts WHERE " + column + " = ?")
               .c_str());
    s.bind(1, value);
    if (!s.step()) return std::nullopt;
    return read_account(s);
  }
  // The SQL of a blob query is built once per call site (static), not per request.
  static std::string blobs_sql(const char* where) {
    return std::string("SELECT ") + kBlobCols + " FROM blobs b WHERE " + where +
           " ORDER BY b.created_ms";
  }
  std::vector<BlobRow> blobs_query(const std::string& query, const std::string& value) {
    sqlite::Reader r(*readers_);
    Stmt s(r.db(), query.c_str());
    s.bind(1, value);
    std::vector<BlobRow> out;
    while (s.step()) out.push_back(read_blob(s));
    return out;
  }

  static constexpr std::size_t kRequestLogBatch = 64;

  sqlite3* db_ = nullptr;
  // The writer's lock, held for one write. Taking it first ends this thread's batched read
  // transaction, so the reads after the write see it; releasing it empties the read caches, so
  // rows the write deleted or purged (an owner, a prompt past retention) leave memory at once
  // instead of at the next lookup (the next lookup would not have served them: the generation
  // changed).
  class WriteLock {
   public:
    explicit WriteLock(SqliteStore& store) : store_(store), lock_(store.mu_) {}
    ~WriteLock() { store_.forget_cached_reads(); }
    WriteLock(const WriteLock&) = delete;
    WriteLock& operator=(const WriteLock&) = delete;

   private:
    SqliteStore& store_;
    std::unique_lock<std::mutex> lock_;
  };
  WriteLock write_lock() {
    if (readers_) sqlite::end_batch_read(*readers_);
    return WriteLock(*this);
  }
  void forget_cached_reads() {
    sessions_cache_.clear();
    owners_cache_.clear();
    keys_cache_.clear();
    jobs_cache_.clear();
    outputs_cache_.clear();
  }
  std::mutex mu_;  // the writer connection db_
  std::unique_ptr<sqlite::ReaderPool> readers_;

  // Runs `read` unless `cache` holds its result for the database as it is now (read_cache.h).
  // Absent rows are not kept: a flood of unknown cookies or keys must not push out real ones.
  template <class Value, class Read>
  std::invoke_result_t<Read&> cached(sqlite::ReadCache<Value>& cache, const std::string& key,
                                     Read&& read) {
    using Result = std::invoke_result_t<Read&>;
    constexpr bool kOptional = !std::is_same_v<Result, Value>;
    // Seen before the read below starts its snapshot: the result is at least that new.
    const std::optional<std::uint64_t> generation = sqlite::read_generation(*readers_);
    if (!generation) return read();
    if (auto hit = cache.find(key, *generation)) return Result(std::move(*hit));
    Result result = read();
    if constexpr (kOptional) {
      if (result) cache.put(key, *result, *generation);
    } else {
      cache.put(key, result, *generation);
    }
    return result;
  }
  sqlite::ReadCache<SessionOwner> sessions_cache_;
  sqlite::ReadCache<OwnerRow> owners_cache_;
  sqlite::ReadCache<ApiKeyRow> keys_cache_;
  sqlite::ReadCache<JobRow> jobs_cache_;
  sqlite::ReadCache<JobOutputs> outputs_cache_;
  std::mutex log_mu_;  // guards the two members below only; never held while taking mu_
  std::vector<RequestLogRow> pending_logs_;
  std::int64_t pending_since_ms_ = 0;
  Key audit_key_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path, const Key& audit_key) {
  // SQLite's memory statistics (unused here) take one process-wide mutex on every allocation
  // and free it makes, which all reader threads then share. Settable only before SQLite
  // initialises; if something initialised it already, the statistics simply stay on.
  static std::once_flag configured;
  std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  return std::make_unique<SqliteStore>(path, audit_key);
}

}  // namespace pixforge::service
