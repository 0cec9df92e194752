// numpy's SeedSequence (numpy/random/bit_generator.pyx), restated for the one use torchsde makes
// of it: the 32-bit words generate_state(n) returns for an integer entropy and spawn key. Its
// hash constants and mixing order are part of the definition; any change alters every Brownian
// tree ComfyUI's SDE samplers draw.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace pixforge::sampling::detail {

// SeedSequence(entropy=entropy, spawn_key=spawn_key, pool_size=pool_size).generate_state(n)
// with the default uint32 words. Entropy and each spawn-key entry are non-negative integers (as
// Python ints: split into 32-bit words, least significant first).
std::vector<std::uint32_t> seed_sequence_state(std::uint64_t entropy,
                                               std::span<const std::uint64_t> spawn_key,
                                               int pool_size, int n_words);

}  // namespace pixforge::sampling::detail
