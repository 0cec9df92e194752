// Channel concatenation at ESRGAN's dense-block sizes: outputs over 32 MiB take the CPU
// backend's streaming-store path (whole 64-byte lines), others the plain row copy. Both are
// exact copies, checked element by element against the parts.
#include <gtest/gtest.h>

#include <vector>

#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"

namespace pixforge {
namespace {

std::vector<float> ramp(std::size_t n, float start) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = start + static_cast<float>(i % 1000003);
  return v;
}

void expect_concat(const std::vector<std::int64_t>& channels, std::int64_t h, std::int64_t w) {
  auto be = make_cpu_backend({.compute_type = DType::BF16, .threads = 0});
  std::vector<Tensor> parts;
  std::vector<std::vector<float>> values;
  for (std::size_t p = 0; p < channels.size(); ++p) {
    values.push_back(
        ramp(static_cast<std::size_t>(h * w * channels[p]), 1e6f * static_cast<float>(p)));
    parts.push_back(Tensor::from_host(*be, Shape{1, h, w, channels[p]}, values.back()));
  }
  const Tensor y = ops::concat(parts, -1);
  std::int64_t total = 0;
  for (auto c : channels) total += c;
  ASSERT_EQ(y.shape(), (Shape{1, h, w, total}));
  const std::vector<float> got = y.to_host();
  std::size_t wrong = 0;
  for (std::int64_t px = 0; px < h * w; ++px) {
    std::int64_t at = px * total;
    for (std::size_t p = 0; p < channels.size(); ++p)
      for (std::int64_t c = 0; c < channels[p]; ++c, ++at)
        wrong += got[static_cast<std::size_t>(at)] !=
                 values[p][static_cast<std::size_t>(px * channels[p] + c)];
  }
  EXPECT_EQ(wrong, 0u);
}

TEST(CpuConcatLarge, streaming_path_is_exact) {
  expect_concat({112, 32}, 256, 256);         // 37.7 MB output, every part whole lines
  expect_concat({64, 32, 32, 16}, 256, 256);  // four parts, 37.7 MB
}

TEST(CpuConcatLarge, parts_off_line_boundaries_use_the_row_copy) {
  expect_concat({100, 44}, 256, 256);  // 37.7 MB, part rows not whole 64-byte lines
  expect_concat({3, 5}, 7, 9);         // small
}

}  // namespace
}  // namespace pixforge
