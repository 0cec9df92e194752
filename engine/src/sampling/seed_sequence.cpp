#include "seed_sequence.h"

#include <stdexcept>

namespace pixforge::sampling::detail {
namespace {

constexpr std::uint32_t kInitA = 0x43b0d7e5;
constexpr std::uint32_t kMultA = 0x931e8875;
constexpr std::uint32_t kInitB = 0x8b51f9dd;
constexpr std::uint32_t kMultB = 0x58f38ded;
constexpr std::uint32_t kMixMultL = 0xca01f9dd;
constexpr std::uint32_t kMixMultR = 0x4973f715;
constexpr int kXShift = 16;

// numpy's _int_to_uint32_array: 0 is one zero word, otherwise the non-zero 32-bit words.
void append_words(std::uint64_t v, std::vector<std::uint32_t>& out) {
  if (v == 0) {
    out.push_back(0);
    return;
  }
  while (v > 0) {
    out.push_back(static_cast<std::uint32_t>(v & 0xffffffffu));
    v >>= 32;
  }
}

class Hasher {
 public:
  std::uint32_t hashmix(std::uint32_t value) {
    value ^= hash_const_;
    hash_const_ *= kMultA;
    value *= hash_const_;
    value ^= value >> kXShift;
    return value;
  }

 private:
  std::uint32_t hash_const_ = kInitA;
};

std::uint32_t mix(std::uint32_t x, std::uint32_t y) {
  std::uint32_t result = kMixMultL * x - kMixMultR * y;
  result ^= result >> kXShift;
  return result;
}

std::vector<std::uint32_t> assembled_entropy(std::uint64_t entropy,
                                             std::span<const std::uint64_t> spawn_key,
                                             std::size_t pool_size) {
  std::vector<std::uint32_t> run;
  append_words(entropy, run);
  std::vector<std::uint32_t> spawn;
  for (std::uint64_t k : spawn_key) append_words(k, spawn);
  // Zero padding keeps a spawned sequence from colliding with a longer plain entropy.
  if (!spawn.empty() && run.size() < pool_size) run.resize(pool_size, 0);
  run.insert(run.end(), spawn.begin(), spawn.end());
  return run;
}

std::vector<std::uint32_t> mixed_pool(const std::vector<std::uint32_t>& entropy,
                                      std::size_t pool_size) {
  Hasher h;
  std::vector<std::uint32_t> pool(pool_size);
  for (std::size_t i = 0; i < pool_size; ++i) {
    pool[i] = h.hashmix(i < entropy.size() ? entropy[i] : 0);
  }
  for (std::size_t src = 0; src < pool_size; ++src) {
    for (std::size_t dst = 0; dst < pool_size; ++dst) {
      if (src != dst) pool[dst] = mix(pool[dst], h.hashmix(pool[src]));
    }
  }
  for (std::size_t src = pool_size; src < entropy.size(); ++src) {
    for (std::size_t dst = 0; dst < pool_size; ++dst) {
      pool[dst] = mix(pool[dst], h.hashmix(entropy[src]));
    }
  }
  return pool;
}

}  // namespace

std::vector<std::uint32_t> seed_sequence_state(std::uint64_t entropy,
                                               std::span<const std::uint64_t> spawn_key,
                                               int pool_size, int n_words) {
  if (pool_size < 4 || n_words < 0) {
    throw std::invalid_argument("seed_sequence_state: pool_size must be >= 4 and n_words >= 0");
  }
  const auto pool_n = static_cast<std::size_t>(pool_size);
  const auto pool = mixed_pool(assembled_entropy(entropy, spawn_key, pool_n), pool_n);
  std::vector<std::uint32_t> state(static_cast<std::size_t>(n_words));
  std::uint32_t hash_const = kInitB;
  for (std::size_t i = 0; i < state.size(); ++i) {
    std::uint32_t v = pool[i % pool_n];
    v ^= hash_const;
    hash_const *= kMultB;
    v *= hash_const;
    v ^= v >> kXShift;
    state[i] = v;
  }
  return state;
}

}  // namespace pixforge::sampling::detail
