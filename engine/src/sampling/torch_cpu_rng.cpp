#include "pixforge/sampling/torch_cpu_rng.h"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "cephes_mathf.h"

namespace pixforge::sampling {
namespace {

// torch's float Box-Muller block: lanes j and j+8 (j < 8) hold two uniforms on entry and the
// cos/sin normals on exit. `two_pi` is 2*pi rounded to float, as both torch paths use it.
constexpr float kTwoPiF = static_cast<float>(2.0 * std::numbers::pi);

void box_muller16_avx2(float* d) {
  for (int j = 0; j < 8; ++j) {
    const float u1 = 1.0f - d[j];  // [0, 1) -> (0, 1] for the log
    const float u2 = d[j + 8];
    const float radius = std::sqrt(-2.0f * detail::cephes_logf(u1));
    float s, c;
    detail::cephes_sincosf(kTwoPiF * u2, &s, &c);
    d[j] = radius * c;
    d[j + 8] = radius * s;
  }
}

void box_muller16_scalar(float* d) {
  for (int j = 0; j < 8; ++j) {
    const float u1 = 1.0f - d[j];
    const float u2 = d[j + 8];
    const float radius = std::sqrt(-2.0f * std::log(u1));
    // torch forms the angle in double (2.0f * pi<double> * u2) and stores it as float.
    const float theta = static_cast<float>(2.0 * std::numbers::pi * static_cast<double>(u2));
    d[j] = radius * std::cos(theta);
    d[j + 8] = radius * std::sin(theta);
  }
}

}  // namespace

TorchCpuRng::TorchCpuRng(std::uint64_t seed, TorchNormalPath path) : path_(path) {
  manual_seed(seed);
}

void TorchCpuRng::manual_seed(std::uint64_t seed) {
  // torch seeds its mt19937 with the low 32 bits, exactly as std::mt19937 initialises its state.
  engine_.seed(static_cast<std::uint32_t>(seed & 0xffffffffu));
  cached_normal_.reset();
}

std::uint32_t TorchCpuRng::random() { return static_cast<std::uint32_t>(engine_()); }

std::uint64_t TorchCpuRng::random64() {
  const std::uint64_t hi = random();
  const std::uint64_t lo = random();
  return (hi << 32) | lo;
}

float TorchCpuRng::uniform_float() {
  return static_cast<float>((random() & ((1u << 24) - 1)) * (1.0 / (1u << 24)));
}

double TorchCpuRng::uniform_double() {
  const std::uint64_t mask = (std::uint64_t{1} << 53) - 1;
  return static_cast<double>(random64() & mask) *
         (1.0 / static_cast<double>(std::uint64_t{1} << 53));
}

double TorchCpuRng::normal_double() {
  if (cached_normal_) {
    const double v = *cached_normal_;
    cached_normal_.reset();
    return v;
  }
  const double u1 = uniform_double();
  const double u2 = uniform_double();
  const double r = std::sqrt(-2.0 * std::log(1.0 - u2));
  const double theta = 2.0 * std::numbers::pi * u1;
  cached_normal_ = r * std::sin(theta);
  return r * std::cos(theta);
}

void TorchCpuRng::normal_fill(std::span<float> out) {
  const std::size_t n = out.size();
  for (auto& v : out) v = uniform_float();
  auto transform = path_ == TorchNormalPath::Avx2 ? box_muller16_avx2 : box_muller16_scalar;
  for (std::size_t i = 0; i + 16 <= n; i += 16) transform(out.data() + i);
  if (n % 16 != 0) {
    // torch redraws the last 16 values (overlapping the previous block) and recomputes them.
    float* tail = out.data() + n - 16;
    for (int i = 0; i < 16; ++i) tail[i] = uniform_float();
    transform(tail);
  }
}

void TorchCpuRng::randn(std::span<float> out) {
  if (out.size() >= 16) {
    normal_fill(out);
    return;
  }
  for (auto& v : out) v = static_cast<float>(normal_double());
}

std::vector<float> TorchCpuRng::randn(std::int64_t n) {
  if (n < 0) throw std::invalid_argument("randn: negative size " + std::to_string(n));
  std::vector<float> out(static_cast<std::size_t>(n));
  randn(std::span<float>(out));
  return out;
}

}  // namespace pixforge::sampling
