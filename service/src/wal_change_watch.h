// Tells, without a read transaction, whether any connection in any process has committed to a
// SQLite database in WAL mode since the last look.
//
// Every commit in WAL mode rewrites the wal-index header at the start of the database's "-shm"
// file (https://www.sqlite.org/walformat.html, section 2.1: its change counter, last valid
// frame, salts and checksums), which is how SQLite's own readers decide whether their page cache
// is still good. Reading those 96 bytes (the header and its second copy) with one pread costs a
// fraction of a read transaction (the VFS's lock bookkeeping and fcntl calls), which was the
// largest single cost of a cheap request. pread, not mmap: SQLite may truncate the file when it
// is reopened, and a mapping would then fault instead of reading short.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace pixforge::service::sqlite {

class WalChangeWatch {
 public:
  // Opens `db_path` + "-shm" read-only; a watch that cannot open it sees nothing (generation()
  // always returns nullopt) and the caller reads the database as usual.
  explicit WalChangeWatch(const std::string& db_path);
  ~WalChangeWatch();
  WalChangeWatch(const WalChangeWatch&) = delete;
  WalChangeWatch& operator=(const WalChangeWatch&) = delete;

  // A number that stays the same while no commit happens and grows with every commit observed
  // (or more often: a changed or torn header always counts as a change). nullopt when the
  // header cannot be trusted now (no file, not initialised, its two copies differ while a writer
  // updates it): the caller must then read the database.
  std::optional<std::uint64_t> generation();

  bool watching() const { return fd_ >= 0; }

 private:
  static constexpr std::size_t kHeaderBytes = 48;
  using Header = std::array<unsigned char, kHeaderBytes>;

  int fd_ = -1;
  std::mutex mu_;
  Header last_{};
  std::uint64_t generation_ = 0;
};

}  // namespace pixforge::service::sqlite
