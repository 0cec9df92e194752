// The audit log's hash chain: each row's hash covers its fields and the previous hash, so
// editing, inserting or removing any row breaks every hash after it.
#include <sodium.h>

#include "pixforge/service/store.h"

namespace pixforge::service {

std::string audit_hash(const Key& audit_key, const AuditRow& row) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, audit_key.data(), audit_key.size(), 32);
  auto add = [&](const std::string& field) {
    // Length-prefixed so that moving bytes between fields changes the hash.
    const std::uint64_t n = field.size();
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(&n), sizeof n);
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(field.data()), n);
  };
  add(std::to_string(row.seq));
  add(std::to_string(row.at_ms));
  add(row.actor);
  add(row.event);
  add(row.subject);
  add(row.detail);
  add(row.prev_hash);
  std::uint8_t out[32];
  crypto_generichash_final(&st, out, sizeof out);
  return hex(out, sizeof out);
}

std::int64_t verify_audit_chain(const Key& audit_key, const std::vector<AuditRow>& rows) {
  std::string prev(64, '0');
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const AuditRow& r = rows[i];
    if (r.seq != static_cast<std::int64_t>(i) + 1 || r.prev_hash != prev ||
        !equal_ct(audit_hash(audit_key, r), r.hash))
      return static_cast<std::int64_t>(i);
    prev = r.hash;
  }
  return -1;
}

}  // namespace pixforge::service
