// Test helper: builds small zip archives with STORED entries (as torch.save writes them), and
// pickle byte strings, so hostile or corrupt checkpoints can be crafted inside the tests.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pixforge::testing {

using Bytes = std::vector<std::uint8_t>;

// Entries in order; `zip64` forces ZIP64 records (sizes and offsets in the extra field).
Bytes build_zip(const std::vector<std::pair<std::string, Bytes>>& entries, bool zip64 = false);

// Minimal protocol-2 pickle writer for crafting data.pkl contents.
class PickleWriter {
 public:
  PickleWriter();
  PickleWriter& op(std::uint8_t opcode);
  PickleWriter& global(const std::string& module, const std::string& name);  // GLOBAL
  PickleWriter& str(const std::string& s);                                   // BINUNICODE
  PickleWriter& integer(std::int32_t v);                                     // BININT
  // A torch tensor: _rebuild_tensor_v2(("storage", <storage_type>, key, "cpu", numel), offset,
  // size, stride, False, OrderedDict()).
  PickleWriter& tensor(const std::string& storage_type, const std::string& key, int numel,
                       int offset, const std::vector<int>& size, const std::vector<int>& stride);
  Bytes finish();  // appends STOP
 private:
  Bytes b_;
};

// A torch.save-style archive "archive/data.pkl" + "archive/data/<key>" storages.
Bytes build_torch_zip(const Bytes& pickle,
                      const std::vector<std::pair<std::string, Bytes>>& storages,
                      bool zip64 = false);

Bytes read_file(const std::string& path);
void write_file(const std::string& path, const Bytes& bytes);

}  // namespace pixforge::testing
