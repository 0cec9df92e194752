// A read-only collection of named tensors from a model file (safetensors, PyTorch .ckpt/.pth,
// a diffusers folder). Tensor data stays in the file mapping until a network prepares it.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "pixforge/core/dtype.h"
#include "pixforge/core/shape.h"

namespace pixforge {

// Thrown for any malformed, truncated or hostile model file; the message names the file and
// the tensor or field at fault.
class ModelFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  const void* data = nullptr;  // host memory, valid while the source lives; bounds-checked
  std::size_t nbytes = 0;
};

class TensorSource {
 public:
  virtual ~TensorSource() = default;
  // nullptr when absent.
  virtual const TensorInfo* find(std::string_view name) const = 0;
  virtual const std::vector<TensorInfo>& tensors() const = 0;
  // The file or folder it came from (for error messages).
  virtual const std::string& origin() const = 0;

  // Like find(), but throws ModelFormatError naming the missing tensor.
  const TensorInfo& require(std::string_view name) const;
};

// Opens .safetensors, .ckpt/.pt/.pth (restricted unpickler: never runs code) or a diffusers
// component folder; dispatches on content, not only on the extension.
std::unique_ptr<TensorSource> open_tensor_source(const std::string& path);

}  // namespace pixforge
