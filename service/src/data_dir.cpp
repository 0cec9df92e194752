#include "pixforge/service/data_dir.h"

#include <filesystem>

namespace pixforge::service {

DataDir open_data_dir(const ServerSettings& settings) {
  const std::string& dir = settings.data_dir;
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace);
  const std::string key_file =
      settings.master_key_file.empty() ? dir + "/master.key" : settings.master_key_file;
  DataDir d;
  d.master = load_master_key(key_file);
  d.token_key = derive_key(d.master, 1, "pf-token");
  d.audit_key = derive_key(d.master, 2, "pf-audit");
  d.store = open_sqlite_store(dir + "/pixforge.db", d.audit_key);
  d.blobs = std::make_unique<BlobStore>(dir);
  d.vault = std::make_unique<Vault>(*d.store, d.master);
  return d;
}

}  // namespace pixforge::service
