// Encrypted blobs on disk (uploads, outputs). Writes are atomic: bytes go to a temp file that
// is fsynced, then renamed into place and the directory fsynced, so a crash never leaves a
// half-written file under a real name. Leftover temp files are removed at start-up.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pixforge/service/crypto.h"

namespace pixforge::service {

class BlobStore {
 public:
  explicit BlobStore(std::string root);  // creates root/blobs and root/tmp (0700)

  void put(const std::string& id, const Bytes& data);
  std::optional<Bytes> get(const std::string& id) const;
  void remove(const std::string& id);  // no error when absent
  std::vector<std::string> list() const;
  std::string path_of(const std::string& id) const;
  int removed_temp_files() const { return removed_temp_files_; }

 private:
  std::string root_;
  int removed_temp_files_ = 0;
};

}  // namespace pixforge::service
