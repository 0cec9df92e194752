// The SQLite schema as an ordered list of migrations. Migration i moves the database from
// user_version i to i+1; never edit a released migration, append a new one.
#pragma once

#include <array>

namespace pixforge::service::sqlite {

inline constexpr std::array<const char*, 4> kMigrations = {
    R"sql(
CREATE TABLE owners (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('session', 'account')),
  wrapped_key BLOB NOT NULL,
  created_ms INTEGER NOT NULL,
  last_active_ms INTEGER NOT NULL,
  training_use INTEGER NOT NULL DEFAULT 0,
  restricted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE accounts (
  owner_id TEXT PRIMARY KEY REFERENCES owners(id) ON DELETE CASCADE,
  username TEXT NOT NULL UNIQUE,
  email_sealed BLOB,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'moderator', 'admin')),
  age_confirmed_ms INTEGER NOT NULL,
  premium INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL
);
CREATE INDEX sessions_owner ON sessions(owner_id);
CREATE TABLE consents (
  id INTEGER PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
  notice_version INTEGER NOT NULL,
  scope TEXT NOT NULL,
  given_ms INTEGER NOT NULL,
  withdrawn_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX consents_owner ON consents(owner_id);
CREATE TABLE training_history (
  id INTEGER PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
  value INTEGER NOT NULL,
  at_ms INTEGER NOT NULL
);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
  key_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  notice_version INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  revoked_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  params_sealed BLOB NOT NULL,
  prompt_sealed BLOB,
  error_code TEXT NOT NULL DEFAULT '',
  api TEXT NOT NULL DEFAULT 'native',
  created_ms INTEGER NOT NULL,
  started_ms INTEGER NOT NULL DEFAULT 0,
  finished_ms INTEGER NOT NULL DEFAULT 0,
  returned_ms INTEGER NOT NULL DEFAULT 0,
  cancel_requested INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_state ON jobs(state, created_ms);
CREATE INDEX jobs_owner ON jobs(owner_id);
CREATE TABLE blobs (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
  job_id TEXT REFERENCES jobs(id) ON DELETE SET NULL,
  kind TEXT NOT NULL CHECK (kind IN ('upload', 'output')),
  created_ms INTEGER NOT NULL,
  size INTEGER NOT NULL
);
CREATE INDEX blobs_owner ON blobs(owner_id);
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  actor TEXT NOT NULL,
  event TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
-- Append-only: the database itself refuses edits and deletions of audit rows.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TABLE request_log (
  id INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  method TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  status INTEGER NOT NULL,
  latency_us INTEGER NOT NULL,
  ip TEXT NOT NULL
);
CREATE INDEX request_log_at ON request_log(at_ms);
CREATE TABLE analytics (
  day TEXT NOT NULL,
  name TEXT NOT NULL,
  value INTEGER NOT NULL,
  PRIMARY KEY (day, name)
);
CREATE TABLE quota_usage (
  owner_id TEXT NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
  day TEXT NOT NULL,
  used INTEGER NOT NULL,
  PRIMARY KEY (owner_id, day)
);
)sql",
    // 2: prompt-safety decisions (P8), output moderation (P9), showcase opt-in (P11).
    // blobs is rebuilt because SQLite cannot widen a CHECK constraint in place: a 'flagged'
    // output is held for review and never listed as the owner's image.
    R"sql(
CREATE TABLE blobs_v2 (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
  job_id TEXT REFERENCES jobs(id) ON DELETE SET NULL,
  kind TEXT NOT NULL CHECK (kind IN ('upload', 'output', 'flagged')),
  created_ms INTEGER NOT NULL,
  size INTEGER NOT NULL,
  showcase_ms INTEGER NOT NULL DEFAULT 0
);
INSERT INTO blobs_v2 (id, owner_id, job_id, kind, created_ms, size)
  SELECT id, owner_id, job_id, kind, created_ms, size FROM blobs;
DROP TABLE blobs;
ALTER TABLE blobs_v2 RENAME TO blobs;
CREATE INDEX blobs_owner ON blobs(owner_id);
CREATE INDEX blobs_showcase ON blobs(showcase_ms) WHERE showcase_ms > 0;
ALTER TABLE jobs ADD COLUMN safety_action TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN safety_category TEXT NOT NULL DEFAULT '';
-- The flag log (P9): ids, scores, decision and times; never a prompt. The owner, job and image
-- links go when those go (account deletion leaves an anonymous compliance record).
CREATE TABLE moderation_flags (
  id TEXT PRIMARY KEY,
  blob_id TEXT REFERENCES blobs(id) ON DELETE SET NULL,
  owner_id TEXT REFERENCES owners(id) ON DELETE SET NULL,
  job_id TEXT REFERENCES jobs(id) ON DELETE SET NULL,
  created_ms INTEGER NOT NULL,
  scores TEXT NOT NULL,
  top_class TEXT NOT NULL,
  decision TEXT NOT NULL DEFAULT 'pending'
    CHECK (decision IN ('pending', 'released', 'deleted', 'expired', 'gone')),
  decided_ms INTEGER NOT NULL DEFAULT 0,
  decided_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX moderation_flags_decision ON moderation_flags(decision, created_ms);
CREATE INDEX moderation_flags_job ON moderation_flags(job_id);
-- Prompt-safety decisions (P8): category, action, time, owner; never the prompt.
CREATE TABLE safety_decisions (
  id INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  owner_id TEXT REFERENCES owners(id) ON DELETE SET NULL,
  api TEXT NOT NULL,
  field TEXT NOT NULL,
  category TEXT NOT NULL,
  action TEXT NOT NULL,
  job_id TEXT REFERENCES jobs(id) ON DELETE SET NULL
);
CREATE INDEX safety_decisions_at ON safety_decisions(at_ms);
)sql",
    // 3: a job's images are looked up by job (every job poll), not by scanning the owner's.
    R"sql(
CREATE INDEX blobs_job ON blobs(job_id);
)sql",
    // 4: a job poll reads its images and its moderation flags in creation order; indexes that
    // carry that order spare SQLite a temporary b-tree (a sorter opened and freed) per query.
    R"sql(
CREATE INDEX blobs_job_created ON blobs(job_id, created_ms);
CREATE INDEX blobs_owner_created ON blobs(owner_id, created_ms);
CREATE INDEX moderation_flags_job_created ON moderation_flags(job_id, created_ms);
)sql",
};

}  // namespace pixforge::service::sqlite
