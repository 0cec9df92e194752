// A pooled arena for host memory, shared by the CPU and reference backends.
//
// Buffers go back to a size-keyed free list when the last Tensor drops them, so a second
// identical network step is served entirely from the pool (MemoryStats::allocations stays put).
// Sizes are rounded up to a small set of classes so that near-identical requests share blocks;
// a large request with no free block of its class takes a free block up to twice its size.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>

#include "pixforge/core/backend.h"

namespace pixforge::cpu {

class HostPool {
 public:
  explicit HostPool(Backend& owner);
  ~HostPool();
  HostPool(const HostPool&) = delete;
  HostPool& operator=(const HostPool&) = delete;

  // A 64-byte aligned buffer of at least `bytes`; reused from the free list when possible.
  std::shared_ptr<Buffer> allocate(std::size_t bytes);
  // Counts memory held outside buffers (prepared weights) as in use until the token dies.
  std::shared_ptr<void> account(std::size_t bytes);
  // Returns every pooled (free) block to the system.
  void trim();
  MemoryStats stats() const;

  // The size class a request of `bytes` is served from.
  static std::size_t size_class(std::size_t bytes);

 private:
  class Block;
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace pixforge::cpu
