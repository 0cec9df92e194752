// Results of the store's hottest reads (the session behind a cookie, a job, its outputs, an API
// key), kept while the database has not changed. A job poll otherwise runs a read transaction
// and three statements on every request though the rows rarely change between polls.
//
// Entries carry the generation (WalChangeWatch) seen before the read that produced them and
// are served only while the database is still at that generation: any commit, by this
// process or another (`pixforge admin`, a second server), makes every entry stale at once, so
// a revoked key, a deleted session or a withdrawn consent is refused on the very next request,
// as without the cache. Entries are dropped when the store itself writes and, for commits of
// other processes, as soon as a newer generation is seen, so rows of a deleted owner do not
// linger in memory (P5).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace pixforge::service::sqlite {

template <class Value>
class ReadCache {
 public:
  explicit ReadCache(std::size_t max_entries = 4096) : max_entries_(max_entries) {}

  // The value stored for `key` at `generation`, if the cache holds one.
  std::optional<Value> find(const std::string& key, std::uint64_t generation) {
    std::lock_guard lock(mu_);
    if (!advance(generation)) return std::nullopt;
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }

  // Stores a value read after the database was seen at `generation`; a value from an older
  // generation is not kept.
  void put(const std::string& key, const Value& value, std::uint64_t generation) {
    std::lock_guard lock(mu_);
    if (!advance(generation)) return;
    // Full: one arbitrary entry makes room (clearing all would make a busy server with more
    // active sessions than entries miss on nearly every request).
    if (entries_.size() >= max_entries_ && !entries_.contains(key))
      entries_.erase(entries_.begin());
    entries_.insert_or_assign(key, value);
  }

  // Drops every entry (the store calls it after its own writes).
  void clear() {
    std::lock_guard lock(mu_);
    entries_.clear();
  }

  std::size_t size() {
    std::lock_guard lock(mu_);
    return entries_.size();
  }

 private:
  // Moves to a newer generation (dropping every entry); false for an older one.
  bool advance(std::uint64_t generation) {
    if (generation < generation_) return false;
    if (generation > generation_) {
      entries_.clear();
      generation_ = generation;
    }
    return true;
  }

  std::size_t max_entries_;
  std::mutex mu_;
  std::uint64_t generation_ = 0;
  std::unordered_map<std::string, Value> entries_;
};

}  // namespace pixforge::service::sqlite
