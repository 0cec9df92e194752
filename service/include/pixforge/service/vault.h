// Per-owner data keys. Each owner (anonymous session or account) gets a random data key that is
// stored only sealed under the master key (in the owner's row). All user data is sealed with
// the owner's key; deleting the owner deletes the wrapped key, after which nothing of theirs
// can be decrypted anywhere (crypto-shredding).
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "pixforge/service/crypto.h"
#include "pixforge/service/store.h"

namespace pixforge::service {

class OwnerGone : public std::runtime_error {
 public:
  OwnerGone() : std::runtime_error("owner's data key no longer exists") {}
};

class Vault {
 public:
  Vault(Store& store, const Key& master);

  // A fresh data key, sealed under the master key for storing in the new owner's row.
  Bytes new_wrapped_key(const std::string& owner_id) const;

  Bytes seal_for(const std::string& owner_id, std::string_view plaintext, std::string_view aad);
  // Throws OwnerGone when the owner (and so its key) was deleted.
  std::string open_for(const std::string& owner_id, const Bytes& sealed, std::string_view aad);
  void forget(const std::string& owner_id);  // drop the cached key (call when deleting)

 private:
  Key data_key(const std::string& owner_id);
  Store& store_;
  Key master_;
  std::mutex mu_;
  std::map<std::string, Key> cache_;
};

}  // namespace pixforge::service
