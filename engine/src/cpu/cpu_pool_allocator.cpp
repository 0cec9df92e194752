#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>

#include "host_pool.h"
#if defined(__GLIBC__)  // defined by the C library headers above
#include <malloc.h>
#endif

namespace pixforge::cpu {

// Shared by the pool and every live block, so a block released after its backend is gone still
// frees its memory instead of touching a dead free list.
struct HostPool::State {
  Backend* owner = nullptr;
  mutable std::mutex mutex;
  std::multimap<std::size_t, void*> free_blocks;  // size class -> memory
  MemoryStats stats;
  bool alive = true;

  // A block for a request of class `size`; `size` becomes the block's own size (larger when a
  // bigger free block serves it).
  void* take(std::size_t& size) {
    std::lock_guard lock(mutex);
    void* p = nullptr;
    if (auto it = best_fit(size); it != free_blocks.end()) {
      p = it->second;
      size = it->first;
      free_blocks.erase(it);
      stats.bytes_pooled -= size;
    } else {
      p = std::aligned_alloc(64, size);
      if (p == nullptr) throw std::bad_alloc();
      ++stats.allocations;
    }
    stats.bytes_in_use += size;
    if (stats.bytes_in_use + stats.bytes_pooled > stats.peak_bytes) {
      stats.peak_bytes = stats.bytes_in_use + stats.bytes_pooled;
    }
    return p;
  }

  // The free block of this class, else (for large requests) the smallest free block up to
  // twice the size. Networks free maps of one size and ask for another (a bf16 copy of an f32
  // map, a wider layer): serving those from a held block, with its tail unused, keeps the pool
  // from holding a block of every size the step ever used beside the fresh one (the batch-2
  // UNet's pool held ~475 MiB in exact classes). Still deterministic, so a repeated step is
  // still served entirely from the pool.
  std::multimap<std::size_t, void*>::iterator best_fit(std::size_t size) {
    auto it = free_blocks.lower_bound(size);
    if (it == free_blocks.end() || it->first == size) return it;
    constexpr std::size_t kLarge = std::size_t{1} << 20;
    return size >= kLarge && it->first <= 2 * size ? it : free_blocks.end();
  }

  void give_back(void* p, std::size_t size) {
    std::lock_guard lock(mutex);
    stats.bytes_in_use -= size;
    if (!alive) {
      std::free(p);
      return;
    }
    free_blocks.emplace(size, p);
    stats.bytes_pooled += size;
  }
};

class HostPool::Block final : public Buffer {
 public:
  Block(std::shared_ptr<State> state, std::size_t size)
      : state_(std::move(state)), size_(size), data_(state_->take(size_)) {}
  ~Block() override { state_->give_back(data_, size_); }
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;

  void* data() override { return data_; }
  std::size_t size() const override { return size_; }
  Backend& backend() const override { return *state_->owner; }

 private:
  std::shared_ptr<State> state_;
  std::size_t size_;  // before data_: take() sets it to the size of the block it hands out
  void* data_;
};

HostPool::HostPool(Backend& owner) : state_(std::make_shared<State>()) { state_->owner = &owner; }

HostPool::~HostPool() {
  trim();
  std::lock_guard lock(state_->mutex);
  state_->alive = false;
}

std::size_t HostPool::size_class(std::size_t bytes) {
  // Small requests: multiples of 64 bytes. Larger: 8 classes per power of two (<= 12.5 % waste),
  // which lets e.g. the batch-1 and batch-2 variants of a step reuse each other's blocks.
  if (bytes <= 4096) return bytes == 0 ? 64 : (bytes + 63) / 64 * 64;
  std::size_t top = 1;
  while ((top << 1) <= bytes) top <<= 1;
  const std::size_t step = top / 8;
  return (bytes + step - 1) / step * step;
}

std::shared_ptr<Buffer> HostPool::allocate(std::size_t bytes) {
  // Far beyond any real machine; also keeps size_class's arithmetic from overflowing when an
  // absurd shape (e.g. from a hostile model file) reaches us.
  constexpr std::size_t kMaxBytes = std::size_t{1} << 46;
  if (bytes > kMaxBytes) {
    throw std::length_error("host allocation of " + std::to_string(bytes) +
                            " bytes exceeds the 64 TiB limit");
  }
  return std::make_shared<Block>(state_, size_class(bytes));
}

std::shared_ptr<void> HostPool::account(std::size_t bytes) {
  {
    std::lock_guard lock(state_->mutex);
    state_->stats.bytes_in_use += bytes;
    ++state_->stats.allocations;
    const std::size_t total = state_->stats.bytes_in_use + state_->stats.bytes_pooled;
    if (total > state_->stats.peak_bytes) state_->stats.peak_bytes = total;
  }
  auto state = state_;
  return std::shared_ptr<void>(nullptr, [state, bytes](void*) {
    std::lock_guard lock(state->mutex);
    state->stats.bytes_in_use -= bytes;
  });
}

void HostPool::trim() {
  std::lock_guard lock(state_->mutex);
  const std::size_t freed = state_->stats.bytes_pooled;
  for (auto& [size, p] : state_->free_blocks) std::free(p);
  state_->free_blocks.clear();
  state_->stats.bytes_pooled = 0;
#if defined(__GLIBC__)
  // Blocks under glibc's mmap threshold (which grows to 32 MB as large blocks are freed) live
  // in the heap, and freeing them leaves their pages resident: a trimmed pool would still
  // count in the RSS, beside whatever is allocated next. malloc_trim hands every free heap
  // page back to the system; it walks the heap, so only when there is much to give back (not
  // for the one-weight staging pools trimmed at every weight of a load).
  constexpr std::size_t kTrimHeapAbove = std::size_t{32} << 20;
  if (freed >= kTrimHeapAbove) malloc_trim(0);
#else
  (void)freed;
#endif
}

MemoryStats HostPool::stats() const {
  std::lock_guard lock(state_->mutex);
  return state_->stats;
}

}  // namespace pixforge::cpu
