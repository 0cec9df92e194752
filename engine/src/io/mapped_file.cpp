#include "mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "pixforge/io/resident_pages.h"

namespace pixforge::io {

namespace {

std::string errno_text() { return std::strerror(errno); }

// Every live mapping, start -> length, so release_resident_pages can tell a pointer into a
// file mapping (safe to drop: it reads back from the file) from one into ordinary memory
// (dropping that would zero it). Unmapping takes the same lock, so no mapping disappears
// while its pages are being released.
struct Registry {
  std::mutex mutex;
  std::map<std::uintptr_t, std::size_t> mappings;
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: mappings may outlive static teardown
  return *r;
}

std::uintptr_t page_size() {
  static const auto size = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

}  // namespace

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ModelFormatError(path + ": cannot open (" + errno_text() + ")");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    throw ModelFormatError(path + ": cannot stat (" + why + ")");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw ModelFormatError(path + ": not a regular file");
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  const std::uint8_t* data = nullptr;
  if (size > 0) {  // mmap of length 0 fails; an empty file is reported by the format readers
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const std::string why = errno_text();
      ::close(fd);
      throw ModelFormatError(path + ": cannot map (" + why + ")");
    }
    data = static_cast<const std::uint8_t*>(p);
    std::lock_guard lock(registry().mutex);
    registry().mappings[reinterpret_cast<std::uintptr_t>(data)] = size;
  }
  ::close(fd);  // the mapping stays valid without the descriptor
  return std::shared_ptr<const MappedFile>(new MappedFile(path, data, size));
}

MappedFile::~MappedFile() {
  if (!data_) return;
  std::lock_guard lock(registry().mutex);
  registry().mappings.erase(reinterpret_cast<std::uintptr_t>(data_));
  ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

void release_mapped_range(const void* data, std::size_t bytes) {
  if (data == nullptr || bytes == 0) return;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  std::lock_guard lock(registry().mutex);
  auto& mappings = registry().mappings;
  auto it = mappings.upper_bound(begin);
  if (it == mappings.begin()) return;
  --it;
  const std::uintptr_t map_end = it->first + it->second;
  if (begin >= map_end || bytes > map_end - begin) return;  // not (wholly) in this mapping
  const std::uintptr_t page = page_size();
  // Outward to whole pages, within the mapping (it starts on a page boundary).
  const std::uintptr_t lo = begin / page * page;
  const std::uintptr_t hi =
      std::min((begin + bytes + page - 1) / page * page, (map_end + page - 1) / page * page);
  // Advice only: a failure leaves the pages resident, which is what not calling this does.
  ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
}

}  // namespace pixforge::io

namespace pixforge {

void release_resident_pages(const TensorInfo& t) { io::release_mapped_range(t.data, t.nbytes); }

void release_resident_pages(const TensorSource& source) {
  for (const TensorInfo& t : source.tensors()) release_resident_pages(t);
}

}  // namespace pixforge
