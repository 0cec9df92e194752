// Minimal RAII over the SQLite C API: a connection and prepared statements with typed binds.
// Errors throw std::runtime_error with SQLite's message (never the bound values).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "pixforge/service/crypto.h"

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
      auto& free = free_[db][sql];
      if (!free.empty()) {
        sqlite3_stmt* s = free.back();
        free.pop_back();
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
    auto& free = free_[db][sqlite3_sql(s)];
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
  std::mutex mu_;
  std::unordered_map<sqlite3*, std::unordered_map<std::string, std::vector<sqlite3_stmt*>>> free_;
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

// BEGIN IMMEDIATE ... COMMIT, rolled back when the scope exits by an exception.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { exec(db_, "BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    exec(db_, "COMMIT");
    done_ = true;
  }

 private:
  sqlite3* db_;
  bool done_ = false;
};

}  // namespace pixforge::service::sqlite
