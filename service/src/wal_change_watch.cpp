#include "wal_change_watch.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

namespace pixforge::service::sqlite {
namespace {

// walformat.html 2.1: iVersion (u32, native byte order) is 3007000; isInit (byte 12) is 1 once
// a connection has built the index.
constexpr std::uint32_t kWalIndexVersion = 3007000;
constexpr std::size_t kIsInitOffset = 12;

}  // namespace

WalChangeWatch::WalChangeWatch(const std::string& db_path) {
  fd_ = ::open((db_path + "-shm").c_str(), O_RDONLY | O_CLOEXEC);
}

WalChangeWatch::~WalChangeWatch() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::uint64_t> WalChangeWatch::generation() {
  if (fd_ < 0) return std::nullopt;
  std::array<unsigned char, 2 * kHeaderBytes> both{};
  const ssize_t n = ::pread(fd_, both.data(), both.size(), 0);
  Header first{};
  std::memcpy(first.data(), both.data(), kHeaderBytes);
  std::uint32_t version = 0;
  std::memcpy(&version, first.data(), sizeof version);
  const bool trusted = n == static_cast<ssize_t>(both.size()) && version == kWalIndexVersion &&
                       first[kIsInitOffset] == 1 &&
                       std::memcmp(first.data(), both.data() + kHeaderBytes, kHeaderBytes) == 0;
  std::lock_guard lock(mu_);
  if (!trusted) {
    // Whatever was seen before is no longer current: the next trusted header counts as new.
    last_.fill(0);
    ++generation_;
    return std::nullopt;
  }
  if (first != last_) {
    last_ = first;
    ++generation_;
  }
  return generation_;
}

}  // namespace pixforge::service::sqlite
