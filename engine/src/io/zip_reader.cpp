#include "pixforge/io/zip_reader.h"

#include <zlib.h>

#include <algorithm>

#include "checked_math.h"
#include "pixforge/io/tensor_source.h"

namespace pixforge {

namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50,
                        kEnd64Sig = 0x06064b50, kLocator64Sig = 0x07064b50;
constexpr std::size_t kEndSize = 22, kLocatorSize = 20, kEnd64Size = 56, kCentralSize = 46,
                      kLocalSize = 30;

// Little-endian reads at a position the caller has bounds-checked.
std::uint64_t le(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

struct Directory {
  std::uint64_t count = 0, size = 0, offset = 0;
};

class Parser {
 public:
  Parser(std::span<const std::uint8_t> b, const std::string& origin) : b_(b), origin_(origin) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw ModelFormatError(origin_ + ": corrupt zip archive: " + what);
  }
  void need(std::uint64_t pos, std::uint64_t len, const char* what) const {
    if (pos > b_.size() || len > b_.size() - pos) fail(std::string(what) + " runs past the end");
  }
  std::uint64_t at(std::uint64_t pos, int n) const { return le(b_.data() + pos, n); }

  std::size_t find_end_record() const {
    if (b_.size() < kEndSize) fail("too short for an end-of-directory record");
    const std::size_t lowest = b_.size() > kEndSize + 0xffff ? b_.size() - kEndSize - 0xffff : 0;
    for (std::size_t pos = b_.size() - kEndSize + 1; pos-- > lowest;) {
      if (at(pos, 4) == kEndSig && pos + kEndSize + at(pos + 20, 2) == b_.size()) return pos;
    }
    fail("no end-of-central-directory record");
  }

  Directory directory() const {
    const std::size_t end = find_end_record();
    Directory d{at(end + 10, 2), at(end + 12, 4), at(end + 16, 4)};
    const bool zip64 = d.count == 0xffff || d.size == 0xffffffff || d.offset == 0xffffffff;
    if (zip64) {
      if (end < kLocatorSize || at(end - kLocatorSize, 4) != kLocator64Sig) {
        fail("ZIP64 locator missing");
      }
      const std::uint64_t rec = at(end - kLocatorSize + 8, 8);
      need(rec, kEnd64Size, "ZIP64 end record");
      if (at(rec, 4) != kEnd64Sig) fail("bad ZIP64 end record signature");
      d = Directory{at(rec + 32, 8), at(rec + 40, 8), at(rec + 48, 8)};
    }
    need(d.offset, d.size, "central directory");
    if (io::checked_mul(d.count, kCentralSize, origin_ + ": zip entry count") > d.size) {
      fail("entry count does not fit the central directory");
    }
    return d;
  }

  // Fields set to all-ones in the fixed header are in the ZIP64 extra field, in this order.
  void apply_zip64_extra(std::uint64_t extra, std::uint64_t extra_len, std::uint64_t* usize,
                         std::uint64_t* csize, std::uint64_t* offset) const {
    std::uint64_t pos = extra, end = extra + extra_len;
    while (pos + 4 <= end) {
      const std::uint64_t id = at(pos, 2), len = at(pos + 2, 2);
      if (pos + 4 + len > end) fail("extra field runs past its entry");
      if (id == 0x0001) {
        std::uint64_t p = pos + 4, stop = pos + 4 + len;
        for (std::uint64_t* field : {usize, csize, offset}) {
          if (*field != 0xffffffff) continue;
          if (p + 8 > stop) fail("ZIP64 extra field too short");
          *field = at(p, 8);
          p += 8;
        }
        return;
      }
      pos += 4 + len;
    }
    if (*usize == 0xffffffff || *csize == 0xffffffff || *offset == 0xffffffff) {
      fail("ZIP64 sizes without a ZIP64 extra field");
    }
  }

  ZipEntry entry(std::uint64_t* pos, std::uint64_t dir_end) const {
    if (*pos + kCentralSize > dir_end) fail("central directory entry truncated");
    const std::uint64_t p = *pos;
    if (at(p, 4) != kCentralSig) fail("bad central directory signature");
    ZipEntry e;
    e.encrypted = (at(p + 8, 2) & 1u) != 0;
    e.method = static_cast<std::uint16_t>(at(p + 10, 2));
    e.crc32 = static_cast<std::uint32_t>(at(p + 16, 4));
    std::uint64_t csize = at(p + 20, 4), usize = at(p + 24, 4);
    const std::uint64_t name_len = at(p + 28, 2), extra_len = at(p + 30, 2),
                        comment_len = at(p + 32, 2);
    std::uint64_t local = at(p + 42, 4);
    const std::uint64_t next = p + kCentralSize + name_len + extra_len + comment_len;
    if (next > dir_end) fail("central directory entry runs past the directory");
    e.name.assign(reinterpret_cast<const char*>(b_.data() + p + kCentralSize), name_len);
    apply_zip64_extra(p + kCentralSize + name_len, extra_len, &usize, &csize, &local);
    if (e.method == 0 && csize != usize) fail("stored entry '" + e.name + "' sizes disagree");
    need(local, kLocalSize, "local header");
    if (at(local, 4) != kLocalSig) fail("bad local header signature for '" + e.name + "'");
    const std::uint64_t data = local + kLocalSize + at(local + 26, 2) + at(local + 28, 2);
    need(data, csize, "entry data");
    e.data_offset = data;
    e.size = csize;
    *pos = next;
    return e;
  }

 private:
  std::span<const std::uint8_t> b_;
  const std::string& origin_;
};

}  // namespace

ZipArchive::ZipArchive(std::span<const std::uint8_t> bytes, std::string origin)
    : bytes_(bytes), origin_(std::move(origin)) {
  Parser p(bytes_, origin_);
  const Directory d = p.directory();
  std::uint64_t pos = d.offset;
  const std::uint64_t end = d.offset + d.size;
  entries_.reserve(static_cast<std::size_t>(d.count));
  for (std::uint64_t i = 0; i < d.count; ++i) entries_.push_back(p.entry(&pos, end));
  // The first of duplicate names wins, as in a linear scan.
  for (std::size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].name, i);
}

const ZipEntry* ZipArchive::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

std::span<const std::uint8_t> ZipArchive::read(const ZipEntry& e, bool verify_crc) const {
  if (e.encrypted) throw ModelFormatError(origin_ + ": zip entry '" + e.name + "' is encrypted");
  if (e.method != 0) {
    throw ModelFormatError(origin_ + ": zip entry '" + e.name + "' is compressed (method " +
                           std::to_string(e.method) +
                           "); only stored entries are supported, as torch.save writes them");
  }
  auto data =
      bytes_.subspan(static_cast<std::size_t>(e.data_offset), static_cast<std::size_t>(e.size));
  if (verify_crc) {
    uLong crc = ::crc32(0L, Z_NULL, 0);
    const std::uint8_t* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {  // zlib takes 32-bit lengths
      const auto n = static_cast<uInt>(std::min<std::size_t>(left, 1u << 30));
      crc = ::crc32(crc, p, n);
      p += n;
      left -= n;
    }
    if (static_cast<std::uint32_t>(crc) != e.crc32) {
      throw ModelFormatError(origin_ + ": zip entry '" + e.name + "' fails its CRC check");
    }
  }
  return data;
}

bool looks_like_zip(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 4 && le(bytes.data(), 4) == kLocalSig;
}

}  // namespace pixforge
