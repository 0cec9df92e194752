#include "pixforge/core/tensor.h"

#include <stdexcept>

#include "pixforge/core/backend.h"

namespace pixforge {

Tensor::Tensor(std::shared_ptr<Buffer> buffer, std::size_t byte_offset, Shape shape, DType dtype)
    : buffer_(std::move(buffer)), offset_(byte_offset), shape_(shape), dtype_(dtype) {
  if (buffer_ && offset_ + nbytes() > buffer_->size()) {
    throw std::out_of_range("tensor " + shape_.str() + " overruns its buffer");
  }
}

Tensor Tensor::empty(Backend& backend, Shape shape, DType dtype) {
  const std::size_t bytes = static_cast<std::size_t>(shape.numel()) * dtype_size(dtype);
  return Tensor(backend.allocate(bytes), 0, shape, dtype);
}

Tensor Tensor::from_host(Backend& backend, Shape shape, std::span<const float> values, DType dtype) {
  if (static_cast<std::int64_t>(values.size()) != shape.numel()) {
    throw std::invalid_argument("from_host: " + std::to_string(values.size()) +
                                " values for shape " + shape.str());
  }
  Tensor t = empty(backend, shape, dtype);
  if (dtype == DType::F32) {
    backend.write(t, values.data(), t.nbytes());
  } else {
    std::vector<unsigned char> staged(t.nbytes());
    convert_from_f32(dtype, values.data(), staged.data(), values.size());
    backend.write(t, staged.data(), staged.size());
  }
  return t;
}

Tensor Tensor::from_host_raw(Backend& backend, Shape shape, DType dtype, const void* data) {
  Tensor t = empty(backend, shape, dtype);
  backend.write(t, data, t.nbytes());
  return t;
}

Backend& Tensor::backend() const {
  if (!buffer_) throw std::logic_error("backend() of an undefined tensor");
  return buffer_->backend();
}

void* Tensor::data() const {
  if (!buffer_) return nullptr;
  return static_cast<unsigned char*>(buffer_->data()) + offset_;
}

void Tensor::check_host() const {
  if (!buffer_) throw std::logic_error("host access to an undefined tensor");
  if (!buffer_->backend().is_host()) {
    throw std::logic_error("host access to a tensor on backend '" +
                           std::string(buffer_->backend().name()) + "': use to_host()");
  }
}

Tensor Tensor::reshape(Shape shape) const {
  if (shape.numel() != numel()) {
    throw std::invalid_argument("reshape " + shape_.str() + " -> " + shape.str() +
                                " changes the element count");
  }
  return Tensor(buffer_, offset_, shape, dtype_);
}

Tensor Tensor::slice0(std::int64_t begin, std::int64_t end) const {
  if (rank() == 0 || begin < 0 || end < begin || end > shape_[0]) {
    throw std::out_of_range("slice0 [" + std::to_string(begin) + ", " + std::to_string(end) +
                            ") of " + shape_.str());
  }
  Shape s = shape_;
  s[0] = end - begin;
  const std::size_t row_bytes = shape_[0] ? nbytes() / static_cast<std::size_t>(shape_[0]) : 0;
  return Tensor(buffer_, offset_ + static_cast<std::size_t>(begin) * row_bytes, s, dtype_);
}

std::vector<float> Tensor::to_host() const {
  std::vector<float> out(static_cast<std::size_t>(numel()));
  if (!buffer_) return out;
  if (dtype_ == DType::F32) {
    backend().read(*this, out.data(), nbytes());
    return out;
  }
  std::vector<unsigned char> raw(nbytes());
  backend().read(*this, raw.data(), raw.size());
  convert_to_f32(dtype_, raw.data(), out.data(), out.size());
  return out;
}

}  // namespace pixforge
