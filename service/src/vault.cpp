#include "pixforge/service/vault.h"

namespace pixforge::service {
namespace {
std::string wrap_aad(const std::string& owner_id) { return "pixforge-owner-key:" + owner_id; }
}  // namespace

Vault::Vault(Store& store, const Key& master) : store_(store), master_(master) { crypto_init(); }

Bytes Vault::new_wrapped_key(const std::string& owner_id) const {
  const Key k = random_key();
  return seal(master_, std::string_view(reinterpret_cast<const char*>(k.data()), k.size()),
              wrap_aad(owner_id));
}

Key Vault::data_key(const std::string& owner_id) {
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(owner_id); it != cache_.end()) return it->second;
  }
  const auto owner = store_.find_owner(owner_id);
  if (!owner) throw OwnerGone();
  const std::string raw = open(master_, owner->wrapped_key, wrap_aad(owner_id));
  if (raw.size() != kKeyBytes) throw std::runtime_error("wrapped data key has the wrong size");
  Key k;
  std::copy(raw.begin(), raw.end(), k.begin());
  std::lock_guard lock(mu_);
  cache_[owner_id] = k;
  return k;
}

Bytes Vault::seal_for(const std::string& owner_id, std::string_view plaintext,
                      std::string_view aad) {
  return seal(data_key(owner_id), plaintext, aad);
}

std::string Vault::open_for(const std::string& owner_id, const Bytes& sealed,
                            std::string_view aad) {
  return open(data_key(owner_id), sealed, aad);
}

void Vault::forget(const std::string& owner_id) {
  std::lock_guard lock(mu_);
  cache_.erase(owner_id);
}

}  // namespace pixforge::service
