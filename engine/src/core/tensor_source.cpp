#include "pixforge/io/tensor_source.h"

namespace pixforge {

const TensorInfo& TensorSource::require(std::string_view name) const {
  if (const TensorInfo* t = find(name)) return *t;
  throw ModelFormatError(origin() + ": missing tensor '" + std::string(name) + "'");
}

}  // namespace pixforge
