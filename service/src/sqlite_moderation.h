// The SQL behind the store's prompt-safety, moderation and showcase rows (P8, P9, P11), kept
// apart from sqlite_store.cpp so that each file stays one concern. Callers hold the store's
// connection lock.
#pragma once

#include <sqlite3.h>

#include <optional>
#include <string>
#include <vector>

#include "pixforge/service/store.h"
#include "sqlite_db.h"

namespace pixforge::service::sqlite {

void insert_blob(sqlite3* db, const BlobRow& b);
void add_flagged_output(sqlite3* db, const BlobRow& blob, const FlagRow& flag);
std::optional<FlagRow> find_flag(sqlite3* db, const std::string& id);
std::vector<FlagRow> flags(sqlite3* db, const std::string& decision, int limit);
std::vector<FlagRow> job_flags(sqlite3* db, const std::string& job_id);
bool decide_flag(sqlite3* db, const std::string& id, const std::string& decision,
                 const std::string& by, std::int64_t now_ms);
std::vector<FlagRow> pending_flags_before(sqlite3* db, std::int64_t before_ms);
int close_orphaned_flags(sqlite3* db, std::int64_t now_ms);
int delete_moderation_log_before(sqlite3* db, std::int64_t before_ms);

void add_safety_decision(sqlite3* db, const SafetyDecisionRow& row);
std::vector<SafetyDecisionRow> safety_decisions(sqlite3* db);

bool set_showcase(sqlite3* db, const std::string& blob_id, const std::string& owner_id,
                  std::int64_t at_ms);
std::vector<BlobRow> showcase(sqlite3* db, int limit);

// The blob columns every blob query selects (alias b), and the row they read back.
inline constexpr const char* kBlobCols =
    "b.id, b.owner_id, IFNULL(b.job_id, ''), b.kind, b.created_ms, b.size, b.showcase_ms";
BlobRow read_blob(const Stmt& s);

}  // namespace pixforge::service::sqlite
