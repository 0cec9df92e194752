// A tensor shape: up to 6 dimensions, stored inline so shapes never allocate.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace pixforge {

class Shape {
 public:
  static constexpr int kMaxRank = 6;

  Shape() = default;
  Shape(std::initializer_list<std::int64_t> dims);  // throws std::invalid_argument if rank > 6 or a dim < 0

  int rank() const { return rank_; }
  std::int64_t operator[](int i) const { return dims_[static_cast<std::size_t>(i < 0 ? i + rank_ : i)]; }
  std::int64_t& operator[](int i) { return dims_[static_cast<std::size_t>(i < 0 ? i + rank_ : i)]; }
  std::int64_t numel() const;
  void push_back(std::int64_t d);  // throws if full

  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string str() const;  // "[2, 64, 64, 4]"

 private:
  std::array<std::int64_t, kMaxRank> dims_{};
  int rank_ = 0;
};

}  // namespace pixforge
