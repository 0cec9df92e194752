// TensorTable: the one TensorSource implementation every reader builds. It holds a list of
// TensorInfo (names unique), a name index, and whatever keeps their bytes alive (a file
// mapping, another source, converted buffers). Views that rename, reshape or slice tensors of
// another source are TensorTables too, so a renamed view costs no copy of tensor data.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pixforge/io/tensor_source.h"

namespace pixforge {

class TensorTable : public TensorSource {
 public:
  // `keepalive` owns the memory the TensorInfo::data pointers point into (may be null for
  // shape-only tables used in detection tests). Throws ModelFormatError on a duplicate name.
  TensorTable(std::string origin, std::vector<TensorInfo> tensors,
              std::shared_ptr<const void> keepalive = nullptr);
  // The name index points into tensors_: a copy would point into the original.
  TensorTable(const TensorTable&) = delete;
  TensorTable& operator=(const TensorTable&) = delete;

  const TensorInfo* find(std::string_view name) const override;
  const std::vector<TensorInfo>& tensors() const override { return tensors_; }
  const std::string& origin() const override { return origin_; }

  // Free-form file metadata (safetensors "__metadata__", e.g. modelspec.title); empty if none.
  const std::unordered_map<std::string, std::string>& metadata() const { return metadata_; }
  void set_metadata(std::unordered_map<std::string, std::string> m) { metadata_ = std::move(m); }

 private:
  std::string origin_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string_view, std::size_t> index_;  // views into tensors_[i].name
  std::shared_ptr<const void> keepalive_;
  std::unordered_map<std::string, std::string> metadata_;
};

// open_tensor_source() with the concrete type (callers that want file metadata).
std::unique_ptr<TensorTable> open_tensor_table(const std::string& path);

// Keeps several owners alive as one (a view over a source plus buffers it converted).
std::shared_ptr<const void> keep_together(std::vector<std::shared_ptr<const void>> owners);

}  // namespace pixforge
