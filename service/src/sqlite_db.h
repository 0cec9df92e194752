// Minimal RAII over the SQLite C API: a connection and prepared statements with typed binds.
// Errors throw std::runtime_error with SQLite's message (never the bound values).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pixforge/service/crypto.h"
#include "wal_change_watch.h"

namespace pixforge::service::sqlite {

// Prepared statements are kept per connection and SQL text for reuse: preparing was a third of
// the server's CPU on a cheap request such as GET /api/v1/jobs/{id} (bench/service/README.md).
// A statement is handed to one Stmt at a time; it comes back reset, with its bindings cleared
// (no user data stays bound in memory). forget_statements() must run before sqlite3_close.
class StatementCache {
 public:
  static StatementCache& instance() {
    static StatementCache cache;
    return cache;
  }
  sqlite3_stmt* take(sqlite3* db, const char* sql) {
    {
      std::lock_guard lock(mu_);
      // Looked up by view: no copy of the SQL text per query.
      auto& per_db = free_[db];
      if (auto it = per_db.find(std::string_view(sql)); it != per_db.end() && !it->second.empty()) {
        sqlite3_stmt* s = it->second.back();
        it->second.pop_back();
        return s;
      }
    }
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
      sqlite3_finalize(s);
      throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
    }
    return s;
  }
  void give_back(sqlite3* db, sqlite3_stmt* s) {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    std::lock_guard lock(mu_);
    auto& per_db = free_[db];
    const std::string_view sql = sqlite3_sql(s);
    auto it = per_db.find(sql);
    if (it == per_db.end())
      it = per_db.emplace(std::string(sql), std::vector<sqlite3_stmt*>{}).first;
    auto& free = it->second;
    if (free.size() < kPerStatement)
      free.push_back(s);
    else
      sqlite3_finalize(s);
  }
  void forget(sqlite3* db) {
    std::lock_guard lock(mu_);
    auto it = free_.find(db);
    if (it == free_.end()) return;
    for (auto& [sql, list] : it->second)
      for (sqlite3_stmt* s : list) sqlite3_finalize(s);
    free_.erase(it);
  }

 private:
  static constexpr std::size_t kPerStatement = 4;  // nested uses of one query are rare
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const {
      return std::hash<std::string_view>{}(sql);
    }
  };
  using BySql =
      std::unordered_map<std::string, std::vector<sqlite3_stmt*>, SqlHash, std::equal_to<>>;
  std::mutex mu_;
  std::unordered_map<sqlite3*, BySql> free_;
};

// Finalises the cached statements of `db`; call right before sqlite3_close(db).
inline void forget_statements(sqlite3* db) { StatementCache::instance().forget(db); }

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db), stmt_(StatementCache::instance().take(db, sql)) {}
  ~Stmt() { StatementCache::instance().give_back(db_, stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, const std::string& v) {
    check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Stmt& bind(int i, const char* v) { return bind(i, std::string(v)); }
  Stmt& bind(int i, std::int64_t v) {
    check(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, bool v) { return bind(i, static_cast<std::int64_t>(v ? 1 : 0)); }
  Stmt& bind(int i, const Bytes& v) {
    if (v.empty())
      check(sqlite3_bind_null(stmt_, i));
    else
      check(sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }

  // true while a row is available.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    if (rc == SQLITE_CONSTRAINT) throw ConstraintError(sqlite3_errmsg(db_));
    throw std::runtime_error(std::string("sqlite step: ") + sqlite3_errmsg(db_));
  }
  void run() {
    while (step()) {
    }
  }

  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  std::int64_t i64(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int i32(int col) const { return sqlite3_column_int(stmt_, col); }
  Bytes blob(int col) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, col));
    return p ? Bytes(p, p + sqlite3_column_bytes(stmt_, col)) : Bytes();
  }

  struct ConstraintError : std::runtime_error {
    using std::runtime_error::runtime_error;
  };

 private:
  void check(int rc) {
    if (rc != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite bind: ") + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

inline void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("sqlite: " + msg);
  }
}

// Read-only connections for the store's hot reads (session, owner, job lookups on every GET).
// WAL lets any number of readers run beside the one writer, so these reads need neither the
// writer connection nor its lock; a committed write is visible to every read that starts after
// it. Each connection serves one thread at a time (taken from and given back to the pool), so
// it is opened without SQLite's own mutex. Idle connections hold no read transaction (their
// cached statements are reset), so they never hold back a checkpoint.
class ReaderPool {
 public:
  explicit ReaderPool(std::string path) : path_(std::move(path)), watch_(path_) {}
  ~ReaderPool() {
    for (sqlite3* db : free_) {
      forget_statements(db);
      sqlite3_close(db);
    }
  }
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  sqlite3* take() {
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        sqlite3* db = free_.back();
        free_.pop_back();
        return db;
      }
    }
    return open();
  }
  void give_back(sqlite3* db) {
    std::lock_guard lock(mu_);
    free_.push_back(db);
  }
  // The database's change generation now (WalChangeWatch); nullopt when it cannot be known.
  std::optional<std::uint64_t> generation() { return watch_.generation(); }

 private:
  sqlite3* open() const {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
      const std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close(db);
      throw std::runtime_error("cannot open database " + path_ + " for reading: " + msg);
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
  }
  std::string path_;
  WalChangeWatch watch_;
  std::mutex mu_;
  std::vector<sqlite3*> free_;  // one per thread that ever read at the same time, at most
};

// The reader connection a thread has pinned for a ReadBatch (at most one batch per thread).
struct PinnedReader {
  ReaderPool* pool = nullptr;
  sqlite3* db = nullptr;
  bool open = false;  // inside BEGIN ... COMMIT
  // The database's generation (WalChangeWatch) the batch's reads belong to, read once, before
  // the batch's transaction began (so its snapshot is at least that new); forgotten at a write.
  bool generation_known = false;
  std::optional<std::uint64_t> generation;
};
inline PinnedReader& pinned_reader() {
  thread_local PinnedReader pinned;
  return pinned;
}

// Ends the read transaction of this thread's batch on `pool`, if one is open: the next read of
// the batch starts a new one (a new snapshot). The store calls it before each write, so a
// request always reads what it wrote itself.
inline void end_batch_read(const ReaderPool& pool) {
  PinnedReader& p = pinned_reader();
  if (p.pool != &pool) return;
  p.generation_known = false;
  if (!p.open) return;
  p.open = false;
  try {
    Stmt(p.db, "COMMIT").run();  // a cached statement: sqlite3_exec would compile it each time
  } catch (const std::exception&) {
    sqlite3_exec(p.db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

// Runs the reads of one request in one read transaction on one connection: each SQLite
// statement outside a transaction starts and ends a read transaction of its own (the VFS's lock
// bookkeeping and several fcntl calls each), which was a fifth of a job poll's CPU. The reads
// see one snapshot, taken at the batch's first read; writes end it (end_batch_read). Keep a
// batch to one request: a long-lived snapshot would hide other connections' commits and hold
// back checkpoints. A nested batch on the same thread joins the outer one.
class ReadBatch {
 public:
  explicit ReadBatch(ReaderPool& pool) {
    PinnedReader& p = pinned_reader();
    if (p.pool != nullptr) return;
    p = {&pool, pool.take(), false, false, std::nullopt};
    owner_ = true;
  }
  ~ReadBatch() {
    if (!owner_) return;
    PinnedReader& p = pinned_reader();
    end_batch_read(*p.pool);
    p.pool->give_back(p.db);
    p = {};
  }
  ReadBatch(const ReadBatch&) = delete;
  ReadBatch& operator=(const ReadBatch&) = delete;

 private:
  bool owner_ = false;
};

// The generation (WalChangeWatch) of the database a read by this thread starts on now: the
// current one, or inside a batch the one seen before the batch's snapshot (read once per batch).
// nullopt when it cannot be known.
inline std::optional<std::uint64_t> read_generation(ReaderPool& pool) {
  PinnedReader& p = pinned_reader();
  if (p.pool != &pool) return pool.generation();
  if (!p.generation_known) {
    p.generation = pool.generation();
    p.generation_known = true;
  }
  return p.generation;
}

// One reader connection for the lifetime of a scope: the thread's batch connection (inside its
// read transaction) when a ReadBatch on this pool is open, else one from the pool.
class Reader {
 public:
  explicit Reader(ReaderPool& pool) : pool_(pool) {
    PinnedReader& p = pinned_reader();
    if (p.pool != &pool) {
      db_ = pool.take();
      return;
    }
    db_ = p.db;
    pinned_ = true;
    if (!p.open) {
      read_generation(pool);     // seen before the snapshot, so the snapshot is at least as new
      Stmt(db_, "BEGIN").run();  // deferred: the snapshot is taken by the first statement
      p.open = true;
    }
  }
  ~Reader() {
    if (!pinned_) pool_.give_back(db_);
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  sqlite3* db() const { return db_; }

 private:
  ReaderPool& pool_;
  sqlite3* db_ = nullptr;
  bool pinned_ = false;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back when the scope exits by an exception.
// Both are cached statements: sqlite3_exec would compile them on every write.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { Stmt(db_, "BEGIN IMMEDIATE").run(); }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    Stmt(db_, "COMMIT").run();
    done_ = true;
  }

 private:
  sqlite3* db_;
  bool done_ = false;
};

}  // namespace pixforge::service::sqlite
