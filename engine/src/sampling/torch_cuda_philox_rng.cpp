#include "pixforge/sampling/torch_cuda_philox_rng.h"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace pixforge::sampling {
namespace {

constexpr std::uint32_t kPhiloxM0 = 0xD2511F53u;
constexpr std::uint32_t kPhiloxM1 = 0xCD9E8D57u;
constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u;  // key schedule (golden ratio)
constexpr std::uint32_t kPhiloxW1 = 0xBB67AE85u;  // key schedule (sqrt(3) - 1)

// curand's Box-Muller constants, widened to double as A1111's numpy code promotes them:
// u = x * 2^-32 + 2^-33 in (0, 1], v = y * 2pi/2^-32 + pi/2^-32.
const double kTwoPow32Inv = static_cast<double>(2.3283064e-10f);
const double kTwoPow32Inv2Pi = static_cast<double>(2.3283064e-10f * 6.2831855f);

float box_muller_sin(std::uint32_t x, std::uint32_t y) {
  const double u = x * kTwoPow32Inv + kTwoPow32Inv / 2;
  const double v = y * kTwoPow32Inv2Pi + kTwoPow32Inv2Pi / 2;
  const double s = std::sqrt(-2.0 * std::log(u));
  return static_cast<float>(s * std::sin(v));
}

}  // namespace

std::array<std::uint32_t, 4> TorchCudaPhiloxRng::philox(std::array<std::uint32_t, 4> c,
                                                        std::array<std::uint32_t, 2> key) {
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = std::uint64_t{c[0]} * kPhiloxM0;
    const std::uint64_t p1 = std::uint64_t{c[2]} * kPhiloxM1;
    c = {static_cast<std::uint32_t>(p1 >> 32) ^ c[1] ^ key[0], static_cast<std::uint32_t>(p1),
         static_cast<std::uint32_t>(p0 >> 32) ^ c[3] ^ key[1], static_cast<std::uint32_t>(p0)};
    key[0] += kPhiloxW0;
    key[1] += kPhiloxW1;
  }
  return c;
}

TorchCudaPhiloxRng::TorchCudaPhiloxRng(std::uint64_t seed) { manual_seed(seed); }

void TorchCudaPhiloxRng::manual_seed(std::uint64_t seed) {
  seed_ = seed;
  offset_ = 0;
}

std::vector<float> TorchCudaPhiloxRng::randn(std::int64_t n) {
  if (n < 0) throw std::invalid_argument("randn: negative size " + std::to_string(n));
  if (n > std::int64_t{0xffffffff}) {
    throw std::invalid_argument("randn: " + std::to_string(n) +
                                " values exceed the 2^32 Philox subsequences of one draw");
  }
  const std::array<std::uint32_t, 2> key = {static_cast<std::uint32_t>(seed_),
                                            static_cast<std::uint32_t>(seed_ >> 32)};
  std::vector<float> out(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const auto r =
        philox({static_cast<std::uint32_t>(offset_), static_cast<std::uint32_t>(offset_ >> 32),
                static_cast<std::uint32_t>(i), 0u},
               key);
    out[static_cast<std::size_t>(i)] = box_muller_sin(r[0], r[1]);
  }
  ++offset_;
  return out;
}

}  // namespace pixforge::sampling
