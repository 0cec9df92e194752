#include "sqlite_moderation.h"

namespace pixforge::service::sqlite {
namespace {

constexpr const char* kFlagCols =
    "id, IFNULL(blob_id, ''), IFNULL(owner_id, ''), IFNULL(job_id, ''), created_ms, scores, "
    "top_class, decision, decided_ms, decided_by";

FlagRow read_flag(const Stmt& s) {
  FlagRow f;
  f.id = s.text(0);
  f.blob_id = s.text(1);
  f.owner_id = s.text(2);
  f.job_id = s.text(3);
  f.created_ms = s.i64(4);
  f.scores = s.text(5);
  f.top_class = s.text(6);
  f.decision = s.text(7);
  f.decided_ms = s.i64(8);
  f.decided_by = s.text(9);
  return f;
}

std::vector<FlagRow> flags_where(sqlite3* db, const std::string& where, const std::string& value,
                                 std::int64_t number) {
  Stmt s(db, (std::string("SELECT ") + kFlagCols + " FROM moderation_flags WHERE " + where +
              " ORDER BY created_ms DESC, rowid DESC LIMIT ?2")
                 .c_str());
  s.bind(1, value).bind(2, number);
  std::vector<FlagRow> out;
  while (s.step()) out.push_back(read_flag(s));
  return out;
}

}  // namespace

BlobRow read_blob(const Stmt& s) {
  return {s.text(0), s.text(1), s.text(2), s.text(3), s.i64(4), s.i64(5), s.i64(6)};
}

void insert_blob(sqlite3* db, const BlobRow& b) {
  Stmt s(db,
         "INSERT INTO blobs (id, owner_id, job_id, kind, created_ms, size, showcase_ms) VALUES "
         "(?,?,NULLIF(?, ''),?,?,?,?)");
  s.bind(1, b.id).bind(2, b.owner_id).bind(3, b.job_id).bind(4, b.kind).bind(5, b.created_ms);
  s.bind(6, b.size).bind(7, b.showcase_ms).run();
}

void add_flagged_output(sqlite3* db, const BlobRow& blob, const FlagRow& f) {
  Transaction tx(db);
  insert_blob(db, blob);
  Stmt s(db,
         "INSERT INTO moderation_flags (id, blob_id, owner_id, job_id, created_ms, scores, "
         "top_class) VALUES (?,?,?,NULLIF(?, ''),?,?,?)");
  s.bind(1, f.id).bind(2, f.blob_id).bind(3, f.owner_id).bind(4, f.job_id).bind(5, f.created_ms);
  s.bind(6, f.scores).bind(7, f.top_class).run();
  tx.commit();
}

std::optional<FlagRow> find_flag(sqlite3* db, const std::string& id) {
  auto rows = flags_where(db, "id = ?1", id, 1);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<FlagRow> flags(sqlite3* db, const std::string& decision, int limit) {
  if (decision.empty()) return flags_where(db, "?1 = ''", decision, limit);
  return flags_where(db, "decision = ?1", decision, limit);
}

std::vector<FlagRow> job_flags(sqlite3* db, const std::string& job_id) {
  return flags_where(db, "job_id = ?1", job_id, -1);
}

bool decide_flag(sqlite3* db, const std::string& id, const std::string& decision,
                 const std::string& by, std::int64_t now) {
  Transaction tx(db);
  // Released images become the owner's outputs again; every other decision unlinks the image
  // (the caller removes the file and row).
  if (decision == "released")
    Stmt(db,
         "UPDATE blobs SET kind = 'output' WHERE kind = 'flagged' AND id = (SELECT blob_id FROM "
         "moderation_flags WHERE id = ? AND decision = 'pending')")
        .bind(1, id)
        .run();
  Stmt(db,
       "UPDATE moderation_flags SET decision = ?, decided_by = ?, decided_ms = ?, blob_id = CASE "
       "WHEN ? = 'released' THEN blob_id ELSE NULL END WHERE id = ? AND decision = 'pending'")
      .bind(1, decision)
      .bind(2, by)
      .bind(3, now)
      .bind(4, decision)
      .bind(5, id)
      .run();
  const bool changed = sqlite3_changes(db) > 0;
  tx.commit();
  return changed;
}

std::vector<FlagRow> pending_flags_before(sqlite3* db, std::int64_t before) {
  Stmt s(db, (std::string("SELECT ") + kFlagCols +
              " FROM moderation_flags WHERE decision = 'pending' AND created_ms < ?")
                 .c_str());
  s.bind(1, before);
  std::vector<FlagRow> out;
  while (s.step()) out.push_back(read_flag(s));
  return out;
}

int close_orphaned_flags(sqlite3* db, std::int64_t now) {
  Stmt(db,
       "UPDATE moderation_flags SET decision = 'gone', decided_by = 'system', decided_ms = ? "
       "WHERE decision = 'pending' AND blob_id IS NULL")
      .bind(1, now)
      .run();
  return sqlite3_changes(db);
}

int delete_moderation_log_before(sqlite3* db, std::int64_t before) {
  Transaction tx(db);
  Stmt(db, "DELETE FROM moderation_flags WHERE decision <> 'pending' AND created_ms < ?")
      .bind(1, before)
      .run();
  int n = sqlite3_changes(db);
  Stmt(db, "DELETE FROM safety_decisions WHERE at_ms < ?").bind(1, before).run();
  n += sqlite3_changes(db);
  tx.commit();
  return n;
}

void add_safety_decision(sqlite3* db, const SafetyDecisionRow& r) {
  Stmt s(db,
         "INSERT INTO safety_decisions (at_ms, owner_id, api, field, category, action, job_id) "
         "VALUES (?,NULLIF(?, ''),?,?,?,?,NULLIF(?, ''))");
  s.bind(1, r.at_ms).bind(2, r.owner_id).bind(3, r.api).bind(4, r.field).bind(5, r.category);
  s.bind(6, r.action).bind(7, r.job_id).run();
}

std::vector<SafetyDecisionRow> safety_decisions(sqlite3* db) {
  Stmt s(db,
         "SELECT id, at_ms, IFNULL(owner_id, ''), api, field, category, action, IFNULL(job_id, "
         "'') FROM safety_decisions ORDER BY id");
  std::vector<SafetyDecisionRow> out;
  while (s.step())
    out.push_back(
        {s.i64(0), s.i64(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7)});
  return out;
}

bool set_showcase(sqlite3* db, const std::string& blob_id, const std::string& owner_id,
                  std::int64_t at) {
  Stmt(db, "UPDATE blobs SET showcase_ms = ? WHERE id = ? AND owner_id = ? AND kind = 'output'")
      .bind(1, at)
      .bind(2, blob_id)
      .bind(3, owner_id)
      .run();
  return sqlite3_changes(db) > 0;
}

std::vector<BlobRow> showcase(sqlite3* db, int limit) {
  Stmt s(db, (std::string("SELECT ") + kBlobCols +
              " FROM blobs b JOIN owners o ON o.id = b.owner_id WHERE b.showcase_ms > 0 AND "
              "b.kind = 'output' AND o.restricted = 0 ORDER BY b.showcase_ms DESC, b.rowid DESC "
              "LIMIT ?")
                 .c_str());
  s.bind(1, limit);
  std::vector<BlobRow> out;
  while (s.step()) out.push_back(read_blob(s));
  return out;
}

}  // namespace pixforge::service::sqlite
