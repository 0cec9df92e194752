// A read-only memory mapping of a whole file (private to the io area). Readers parse the
// mapped bytes in place, so tensor data is never copied unless it has to be converted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace pixforge::io {

class MappedFile {
 public:
  // Throws ModelFormatError naming the path when it cannot be opened or mapped.
  static std::shared_ptr<const MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

 private:
  MappedFile(std::string path, const std::uint8_t* data, std::size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const std::uint8_t* data_;
  std::size_t size_;
};

// Drops the resident pages of [data, data + bytes) when that range lies wholly inside a live
// MappedFile (see pixforge/io/resident_pages.h); anything else is left alone.
void release_mapped_range(const void* data, std::size_t bytes);

}  // namespace pixforge::io
