// Opening a data directory: master key, derived keys, store, blob store, vault. Shared by the
// server and the offline commands (`pixforge privacy audit`, `pixforge admin ...`).
#pragma once

#include <memory>

#include "pixforge/service/blob_store.h"
#include "pixforge/service/config.h"
#include "pixforge/service/store.h"
#include "pixforge/service/vault.h"

namespace pixforge::service {

struct DataDir {
  Key master{};
  Key token_key{};  // keyed hashes of session tokens and API keys
  Key audit_key{};  // keyed audit chain
  std::unique_ptr<Store> store;
  std::unique_ptr<BlobStore> blobs;
  std::unique_ptr<Vault> vault;
};

// Creates the directory (0700) and the master key file (0600) when missing.
DataDir open_data_dir(const ServerSettings& settings);

}  // namespace pixforge::service
