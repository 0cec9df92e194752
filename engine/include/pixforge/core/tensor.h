// Tensor: a typed, shaped, contiguous (row-major) view into a backend buffer.
//
// The memory may live on a device: code above the backend seam never dereferences data()
// unless backend().is_host() is true. Use to_host()/from_host() to move values across.
// Feature maps are NHWC throughout the engine (what oneDNN's bf16 kernels and TF.js models
// prefer, and what makes a UNet's spatial tokens a free reshape).
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "pixforge/core/dtype.h"
#include "pixforge/core/shape.h"

namespace pixforge {

class Backend;

// A block of backend memory. Released to its backend's pool when the last tensor drops it.
class Buffer {
 public:
  virtual ~Buffer() = default;
  virtual void* data() = 0;
  virtual std::size_t size() const = 0;
  virtual Backend& backend() const = 0;
};

class Tensor {
 public:
  Tensor() = default;
  Tensor(std::shared_ptr<Buffer> buffer, std::size_t byte_offset, Shape shape, DType dtype);

  // A new, uninitialised tensor on `backend`.
  static Tensor empty(Backend& backend, Shape shape, DType dtype = DType::F32);
  // A new tensor on `backend` holding a copy of host values (converted from f32 to dtype).
  static Tensor from_host(Backend& backend, Shape shape, std::span<const float> values,
                          DType dtype = DType::F32);
  // Same, but copying raw elements already of `dtype`.
  static Tensor from_host_raw(Backend& backend, Shape shape, DType dtype, const void* data);

  bool defined() const { return buffer_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  std::int64_t dim(int i) const { return shape_[i]; }
  int rank() const { return shape_.rank(); }
  std::int64_t numel() const { return shape_.numel(); }
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype_); }
  Backend& backend() const;

  // Raw element pointer (device memory on a device backend).
  void* data() const;
  // Typed host pointer; throws std::logic_error on a non-host backend.
  template <class T>
  T* host() const {
    check_host();
    return static_cast<T*>(data());
  }

  // Views sharing the buffer.
  Tensor reshape(Shape shape) const;                              // same numel, throws otherwise
  Tensor slice0(std::int64_t begin, std::int64_t end) const;      // rows [begin, end) of dim 0

  // Copies all values to host as f32 (any backend, any float dtype).
  std::vector<float> to_host() const;

 private:
  void check_host() const;

  std::shared_ptr<Buffer> buffer_;
  std::size_t offset_ = 0;
  Shape shape_;
  DType dtype_ = DType::F32;
};

}  // namespace pixforge
