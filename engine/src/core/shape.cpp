#include "pixforge/core/shape.h"

#include <stdexcept>

namespace pixforge {

Shape::Shape(std::initializer_list<std::int64_t> dims) {
  for (auto d : dims) push_back(d);
}

void Shape::push_back(std::int64_t d) {
  if (rank_ >= kMaxRank) throw std::invalid_argument("shape rank exceeds 6");
  if (d < 0) throw std::invalid_argument("negative dimension in shape");
  dims_[static_cast<std::size_t>(rank_++)] = d;
}

std::int64_t Shape::numel() const {
  std::int64_t n = 1;
  for (int i = 0; i < rank_; ++i) n *= dims_[static_cast<std::size_t>(i)];
  return n;
}

bool Shape::operator==(const Shape& o) const {
  if (rank_ != o.rank_) return false;
  for (int i = 0; i < rank_; ++i)
    if (dims_[static_cast<std::size_t>(i)] != o.dims_[static_cast<std::size_t>(i)]) return false;
  return true;
}

std::string Shape::str() const {
  std::string s = "[";
  for (int i = 0; i < rank_; ++i) {
    if (i) s += ", ";
    s += std::to_string(dims_[static_cast<std::size_t>(i)]);
  }
  return s + "]";
}

}  // namespace pixforge
