#include "pixforge/io/tensor_table.h"

namespace pixforge {

TensorTable::TensorTable(std::string origin, std::vector<TensorInfo> tensors,
                         std::shared_ptr<const void> keepalive)
    : origin_(std::move(origin)), tensors_(std::move(tensors)), keepalive_(std::move(keepalive)) {
  index_.reserve(tensors_.size());
  for (std::size_t i = 0; i < tensors_.size(); ++i) {
    if (!index_.emplace(tensors_[i].name, i).second) {
      throw ModelFormatError(origin_ + ": tensor '" + tensors_[i].name + "' appears twice");
    }
  }
}

const TensorInfo* TensorTable::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

std::shared_ptr<const void> keep_together(std::vector<std::shared_ptr<const void>> owners) {
  return std::make_shared<std::vector<std::shared_ptr<const void>>>(std::move(owners));
}

}  // namespace pixforge
