// The store: every row the service keeps, behind one interface so that a PostgreSQL
// implementation (several worker hosts, `FOR UPDATE SKIP LOCKED` in claim_next_job) can follow
// the SQLite one. Personal fields arrive here already sealed (crypto.h); the store never sees
// plaintext prompts, e-mails or images. Times are milliseconds since the epoch (Clock).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "pixforge/service/crypto.h"

namespace pixforge::service {

struct OwnerRow {
  std::string id;
  std::string kind;   // "session" (anonymous) or "account"
  Bytes wrapped_key;  // the owner's data key sealed under the master key
  std::int64_t created_ms = 0;
  std::int64_t last_active_ms = 0;
  bool training_use = false;
  bool restricted = false;  // processing restricted by the owner (P7)
};

struct AccountRow {
  std::string owner_id;
  std::string username;
  Bytes email_sealed;         // empty when no e-mail was given
  std::string password_hash;  // Argon2id encoded
  std::string role = "user";  // user | moderator | admin
  std::int64_t age_confirmed_ms = 0;
  bool premium = false;
};

struct SessionRow {
  std::string token_hash;
  std::string owner_id;
  std::string csrf_token;
  std::int64_t created_ms = 0;
  std::int64_t last_seen_ms = 0;
};

struct ConsentRow {
  std::int64_t id = 0;
  std::string owner_id;
  int notice_version = 0;
  std::string scope;  // "web" or "api_key:<id>"
  std::int64_t given_ms = 0;
  std::int64_t withdrawn_ms = 0;  // 0 while in force
};

struct ApiKeyRow {
  std::string id;
  std::string owner_id;
  std::string key_hash;
  std::string scopes;      // space-separated: generate read delete
  int notice_version = 0;  // notice the owner consented to for this key
  std::int64_t created_ms = 0;
  std::int64_t revoked_ms = 0;
};

struct JobRow {
  std::string id;
  std::string owner_id;
  std::string kind;   // txt2img | img2img
  std::string state;  // queued | running | succeeded | failed | cancelled
  Bytes params_sealed;
  Bytes prompt_sealed;  // emptied by the sweeper after the retention period
  std::string error_code;
  std::string api;  // native | openai | a1111 (for the response shape)
  std::int64_t created_ms = 0;
  std::int64_t started_ms = 0;
  std::int64_t finished_ms = 0;
  std::int64_t returned_ms = 0;  // first time the result was fetched
  bool cancel_requested = false;
  std::string safety_action{};    // P8: "" (nothing matched), flag or rewrite
  std::string safety_category{};  // the category that decided it
};

// What a job status answer shows besides the job row: its visible output images (oldest first)
// and how many of its outputs output moderation withheld (P9).
struct JobOutputs {
  std::vector<std::string> image_ids;
  int withheld = 0;
};

struct BlobRow {
  std::string id;
  std::string owner_id;
  std::string job_id;  // empty when not tied to a job
  std::string kind;    // upload | output | flagged (an output withheld for review, P9)
  std::int64_t created_ms = 0;
  std::int64_t size = 0;
  std::int64_t showcase_ms = 0;  // when its owner opted it into the public showcase (P11); 0: not
};

// One entry of the flag log (P9): an output the moderator scored as flagged. Never a prompt.
struct FlagRow {
  std::string id;
  std::string blob_id;   // the withheld image; empty once it is released, deleted or expired
  std::string owner_id;  // empty once the owner is deleted (the record stays, anonymous)
  std::string job_id;
  std::int64_t created_ms = 0;
  std::string scores;                // JSON object: class -> probability
  std::string top_class;             // the most probable class
  std::string decision = "pending";  // pending | released | deleted | expired | gone
  std::int64_t decided_ms = 0;
  std::string decided_by;  // moderator's owner id, or "system"
};

// One prompt-safety decision (P8): what was decided about whose request, never the prompt.
struct SafetyDecisionRow {
  std::int64_t id = 0;
  std::int64_t at_ms = 0;
  std::string owner_id;
  std::string api;       // native | openai | a1111
  std::string field;     // prompt | negative_prompt
  std::string category;  // the deciding category
  std::string action;    // block | rewrite | flag
  std::string job_id;    // empty for blocked requests (no job exists)
};

struct TrainingChange {
  bool value = false;
  std::int64_t at_ms = 0;
};

struct AuditRow {
  std::int64_t seq = 0;
  std::int64_t at_ms = 0;
  std::string actor;    // owner id, "system" or "admin:<id>"
  std::string event;    // login, key_created, consent_given, ...
  std::string subject;  // the owner the event concerns (for the affected-accounts query)
  std::string detail;   // never user content
  std::string prev_hash;
  std::string hash;
};

struct RequestLogRow {
  std::int64_t at_ms = 0;
  std::string method;
  std::string endpoint;  // the route pattern, never the concrete path with ids
  int status = 0;
  std::int64_t latency_us = 0;
  std::string ip;  // truncated (IPv4 /24, IPv6 /48)
};

// Held while a request runs its reads (Store::read_scope).
class ReadScope {
 public:
  virtual ~ReadScope() = default;
};

class Store {
 public:
  virtual ~Store() = default;

  // Lets the reads of the calling thread, until the scope ends, share one read transaction
  // (one consistent snapshot, cheaper than one transaction per query). Writes through this
  // store on the same thread end the snapshot, so later reads see them; commits by others are
  // seen from the next scope on. Null when the store has no such batching.
  virtual std::unique_ptr<ReadScope> read_scope() { return nullptr; }

  // Owners (anonymous sessions and accounts). delete_owner cascades to every row of the owner
  // and destroys its wrapped data key.
  virtual void create_owner(const OwnerRow& owner) = 0;
  virtual std::optional<OwnerRow> find_owner(const std::string& id) = 0;
  virtual void touch_owner(const std::string& id, std::int64_t now_ms) = 0;
  virtual void delete_owner(const std::string& id) = 0;
  virtual void set_training_use(const std::string& id, bool value, std::int64_t now_ms) = 0;
  virtual std::vector<TrainingChange> training_history(const std::string& id) = 0;
  virtual void set_restricted(const std::string& id, bool value) = 0;
  virtual std::vector<OwnerRow> idle_owners(const std::string& kind, std::int64_t before_ms) = 0;

  // Accounts.
  virtual void create_account(
      const AccountRow& account) = 0;  // throws StoreConflict on a taken name
  virtual std::optional<AccountRow> find_account(const std::string& owner_id) = 0;
  virtual std::optional<AccountRow> find_account_by_username(const std::string& username) = 0;
  virtual void update_account_email(const std::string& owner_id, const Bytes& email_sealed) = 0;
  virtual void set_role(const std::string& owner_id, const std::string& role) = 0;

  // Cookie sessions.
  virtual void create_session(const SessionRow& session) = 0;
  virtual std::optional<SessionRow> find_session(const std::string& token_hash) = 0;
  virtual void touch_session(const std::string& token_hash, std::int64_t now_ms) = 0;
  virtual void delete_session(const std::string& token_hash) = 0;
  // A session with its owner and the owner's account role, read together: every request with a
  // cookie needs all three. The default reads them one by one; stores override it with one query.
  struct SessionOwner {
    SessionRow session;
    std::optional<OwnerRow> owner;  // empty when the owner is gone
    std::string role = "user";      // the account's role; "user" for anonymous owners
  };
  virtual std::optional<SessionOwner> find_session_owner(const std::string& token_hash) {
    auto session = find_session(token_hash);
    if (!session) return std::nullopt;
    SessionOwner out{*session, find_owner(session->owner_id), "user"};
    if (out.owner && out.owner->kind == "account")
      if (auto account = find_account(session->owner_id)) out.role = account->role;
    return out;
  }

  // Consent records (kept with the owner; withdrawn records stay as history).
  virtual void add_consent(const ConsentRow& consent) = 0;
  virtual void withdraw_consents(const std::string& owner_id, const std::string& scope,
                                 std::int64_t now_ms) = 0;
  virtual std::vector<ConsentRow> consents(const std::string& owner_id) = 0;

  // API keys (hash only).
  virtual void create_api_key(const ApiKeyRow& key) = 0;
  virtual std::optional<ApiKeyRow> find_api_key(const std::string& key_hash) = 0;
  virtual std::vector<ApiKeyRow> api_keys(const std::string& owner_id) = 0;
  virtual bool revoke_api_key(const std::string& owner_id, const std::string& id,
                              std::int64_t now_ms) = 0;
  virtual void renew_api_key_consent(const std::string& owner_id, const std::string& id,
                                     int notice_version) = 0;

  // Jobs: a persistent queue.
  // Creates the job and its uploaded inputs in one transaction (the worker never sees a job
  // whose inputs are not there yet).
  virtual void create_job(const JobRow& job, const std::vector<BlobRow>& uploads) = 0;
  virtual std::optional<JobRow> find_job(const std::string& id) = 0;
  virtual std::vector<JobRow> jobs(const std::string& owner_id) = 0;
  // Moves the oldest queued job to running and returns it (atomic).
  virtual std::optional<JobRow> claim_next_job(std::int64_t now_ms) = 0;
  virtual void finish_job(const std::string& id, const std::string& state,
                          const std::string& error_code, std::int64_t now_ms) = 0;
  virtual bool request_cancel(const std::string& id) = 0;  // false when already finished
  virtual void mark_returned(const std::string& id, std::int64_t now_ms) = 0;
  virtual int queue_position(const std::string& id) = 0;  // 0 = next; -1 when not queued
  // After a crash: running jobs go back to queued (or fail when asked), returns how many.
  virtual int recover_interrupted_jobs(bool requeue) = 0;
  virtual void delete_job(const std::string& id) = 0;
  virtual int purge_prompts(std::int64_t returned_before_ms, std::int64_t finished_before_ms) = 0;

  // Blobs (the bytes live in the BlobStore; these rows say whose and when).
  virtual void add_blob(const BlobRow& blob) = 0;
  virtual std::optional<BlobRow> find_blob(const std::string& id) = 0;
  virtual std::vector<BlobRow> blobs(const std::string& owner_id) = 0;
  virtual std::vector<BlobRow> job_blobs(const std::string& job_id) = 0;
  // A job's outputs owned by `owner_id` and its withheld count, in one read (every status poll).
  virtual JobOutputs job_outputs(const std::string& job_id, const std::string& owner_id) = 0;
  virtual std::vector<BlobRow> all_blobs() = 0;
  virtual void delete_blob(const std::string& id) = 0;
  // Uploads whose job ended before `before_ms`.
  virtual std::vector<BlobRow> expired_uploads(std::int64_t before_ms) = 0;
  // Outputs of owners of `owner_kind` created before `before_ms`.
  virtual std::vector<BlobRow> expired_outputs(const std::string& owner_kind,
                                               std::int64_t before_ms) = 0;

  // Output moderation (P9). The flagged blob row and its flag are written in one transaction.
  virtual void add_flagged_output(const BlobRow& blob, const FlagRow& flag) = 0;
  virtual std::optional<FlagRow> find_flag(const std::string& id) = 0;
  // Newest first; `decision` empty lists every decision.
  virtual std::vector<FlagRow> flags(const std::string& decision, int limit) = 0;
  virtual std::vector<FlagRow> job_flags(const std::string& job_id) = 0;
  // Moves a pending flag to `decision` (released: its blob becomes a visible output). False when
  // the flag is not pending any more (a decision cannot be taken twice).
  virtual bool decide_flag(const std::string& id, const std::string& decision,
                           const std::string& by, std::int64_t now_ms) = 0;
  // Pending flags created before `before_ms` (review period over).
  virtual std::vector<FlagRow> pending_flags_before(std::int64_t before_ms) = 0;
  // Pending flags whose image was deleted by its owner are closed as "gone"; returns how many.
  virtual int close_orphaned_flags(std::int64_t now_ms) = 0;
  // Flag-log and decision-log rows older than `before_ms` (pending flags are kept).
  virtual int delete_moderation_log_before(std::int64_t before_ms) = 0;

  // Prompt-safety decisions (P8).
  virtual void add_safety_decision(const SafetyDecisionRow& row) = 0;
  virtual std::vector<SafetyDecisionRow> safety_decisions() = 0;

  // Showcase (P11): `at_ms` 0 revokes. False unless the blob is an output of `owner_id`.
  virtual bool set_showcase(const std::string& blob_id, const std::string& owner_id,
                            std::int64_t at_ms) = 0;
  // Opted-in outputs of owners that have not restricted processing, newest first.
  virtual std::vector<BlobRow> showcase(int limit) = 0;

  // Audit log: append-only, each row's hash covers the previous row's hash.
  virtual AuditRow append_audit(std::int64_t at_ms, const std::string& actor,
                                const std::string& event, const std::string& subject,
                                const std::string& detail) = 0;
  virtual std::vector<AuditRow> audit_rows() = 0;

  // Operational request log (no bodies, truncated IPs).
  virtual void add_request_log(const RequestLogRow& row) = 0;
  virtual std::vector<RequestLogRow> request_logs() = 0;
  virtual int delete_request_logs_before(std::int64_t before_ms) = 0;

  // Aggregate counters per UTC day (no user or IP column).
  virtual void bump_counter(const std::string& day, const std::string& name, std::int64_t n) = 0;
  virtual std::int64_t counter(const std::string& day, const std::string& name) = 0;
  virtual int delete_counters_before(const std::string& day) = 0;

  // Atomically adds `n` to the owner's usage for `day` unless that would exceed `limit`.
  virtual bool consume_quota(const std::string& owner_id, const std::string& day, std::int64_t n,
                             std::int64_t limit) = 0;

  // Oldest timestamps per data category, for `pixforge privacy audit` (0 when none held):
  // uploads, prompts, outputs_anonymous, account_content, request_logs, sessions,
  // flagged_images, moderation_log.
  virtual std::int64_t oldest(const std::string& category) = 0;
};

// A uniqueness conflict (taken username).
class StoreConflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Opens (creating and migrating) the SQLite store at `path`: WAL, foreign keys, busy timeout,
// secure_delete (freed pages are zeroed, so a destroyed key does not linger in the file).
// `audit_key` keys the audit chain's hashes (someone who can edit the file cannot re-forge them).
std::unique_ptr<Store> open_sqlite_store(const std::string& path, const Key& audit_key);

// Hash of one audit row over its fields and the previous row's hash (keyed BLAKE2b, hex).
std::string audit_hash(const Key& audit_key, const AuditRow& row);
// Index of the first row whose chain is broken, or -1 when the whole chain verifies.
std::int64_t verify_audit_chain(const Key& audit_key, const std::vector<AuditRow>& rows);

}  // namespace pixforge::service
