// A minimal, bounds-checked reader for the zip archives PyTorch writes (torch.save since 1.6):
// central directory (ZIP64 where needed) and STORED entries, read in place. Compressed or
// encrypted entries are listed but refuse to be read with a clear error.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pixforge {

struct ZipEntry {
  std::string name;
  std::uint16_t method = 0;  // 0 = stored; anything else cannot be read in place
  bool encrypted = false;
  std::uint32_t crc32 = 0;
  std::uint64_t data_offset = 0;  // of the entry's bytes within the archive (checked in bounds)
  std::uint64_t size = 0;
};

class ZipArchive {
 public:
  ZipArchive(const ZipArchive&) = delete;  // index_ points into entries_
  ZipArchive& operator=(const ZipArchive&) = delete;
  // Parses the end-of-central-directory record and every central-directory entry; throws
  // ModelFormatError (naming `origin`) on any truncation or inconsistency.
  ZipArchive(std::span<const std::uint8_t> bytes, std::string origin);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(std::string_view name) const;
  // The stored bytes of `e`; throws if compressed or encrypted. With verify_crc the CRC-32
  // from the directory is checked (cheap for small entries such as data.pkl).
  std::span<const std::uint8_t> read(const ZipEntry& e, bool verify_crc = false) const;

 private:
  std::span<const std::uint8_t> bytes_;
  std::string origin_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string_view, std::size_t> index_;  // into entries_[i].name
};

// True when `bytes` starts with a zip local-file-header signature.
bool looks_like_zip(std::span<const std::uint8_t> bytes);

}  // namespace pixforge
