// torch.save zip files: locate `<archive>/data.pkl`, unpickle it (restricted), then resolve each
// tensor's storage to its zip entry, bounds-checking offsets, shapes and strides.
#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "checked_math.h"
#include "mapped_file.h"
#include "pixforge/io/torch_pickle.h"
#include "pixforge/io/zip_reader.h"

namespace pixforge {

namespace {

using Buffers = std::vector<std::vector<std::uint64_t>>;

// The archive folder: the one prefix in front of "data.pkl" (torch names it after the file).
std::string archive_prefix(const ZipArchive& zip, const std::string& origin) {
  for (const ZipEntry& e : zip.entries()) {
    const auto slash = e.name.find('/');
    if (slash != std::string::npos && e.name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      return e.name.substr(0, slash + 1);
    }
  }
  throw ModelFormatError(origin + ": zip file has no <archive>/data.pkl (not a torch.save file)");
}

void check_byteorder(const ZipArchive& zip, const std::string& prefix, const std::string& origin) {
  const ZipEntry* e = zip.find(prefix + "byteorder");
  if (!e) return;  // written since torch 1.10; older files are little-endian
  auto b = zip.read(*e);
  const std::string order(reinterpret_cast<const char*>(b.data()), b.size());
  if (order != "little") {
    throw ModelFormatError(origin + ": big-endian or unknown byte order ('" + order.substr(0, 16) +
                           "') is not supported");
  }
}

bool is_contiguous(const PickledTensor& t) {
  std::int64_t expected = 1;
  for (int i = t.shape.rank() - 1; i >= 0; --i) {
    const auto idx = static_cast<std::size_t>(i);
    if (t.shape[i] != 1 && t.stride[idx] != expected) return false;
    expected *= t.shape[i];
  }
  return true;
}

// Highest element index the view touches, plus one (0 for an empty tensor).
std::uint64_t view_extent(const PickledTensor& t, const std::string& where) {
  if (t.shape.numel() == 0) return 0;
  std::uint64_t last = t.storage_offset;
  for (int i = 0; i < t.shape.rank(); ++i) {
    const auto step =
        io::checked_mul(static_cast<std::uint64_t>(t.shape[i] - 1),
                        static_cast<std::uint64_t>(t.stride[static_cast<std::size_t>(i)]), where);
    last = io::checked_add(last, step, where);
  }
  return io::checked_add(last, 1, where);
}

// Copies a strided view element by element into contiguous order.
void gather(const std::uint8_t* base, const PickledTensor& t, std::size_t elem, std::uint8_t* dst) {
  const int rank = t.shape.rank();
  std::vector<std::int64_t> idx(static_cast<std::size_t>(rank), 0);
  const auto n = static_cast<std::size_t>(t.shape.numel());
  for (std::size_t k = 0; k < n; ++k) {
    std::uint64_t off = t.storage_offset;
    for (int i = 0; i < rank; ++i) {
      off += static_cast<std::uint64_t>(idx[static_cast<std::size_t>(i)] *
                                        t.stride[static_cast<std::size_t>(i)]);
    }
    std::memcpy(dst + k * elem, base + off * elem, elem);
    for (int i = rank - 1; i >= 0; --i) {
      if (++idx[static_cast<std::size_t>(i)] < t.shape[i]) break;
      idx[static_cast<std::size_t>(i)] = 0;
    }
  }
}

TensorInfo resolve(const PickledTensor& t, const ZipArchive& zip, const std::string& prefix,
                   const std::string& origin, Buffers* owned) {
  const std::string where = origin + ": tensor '" + t.name + "'";
  const ZipEntry* e = zip.find(prefix + "data/" + t.storage_key);
  if (!e)
    throw ModelFormatError(where + ": storage '" + t.storage_key + "' missing from the archive");
  auto storage = zip.read(*e);
  const std::size_t file_elem = t.storage_is_f64 ? 8 : dtype_size(t.dtype);
  const std::uint64_t storage_bytes = io::checked_mul(t.storage_numel, file_elem, where);
  if (storage.size() < storage_bytes) {
    throw ModelFormatError(where + ": storage '" + t.storage_key + "' holds " +
                           std::to_string(storage.size()) + " bytes, needs " +
                           std::to_string(storage_bytes));
  }
  if (view_extent(t, where) > t.storage_numel) {
    throw ModelFormatError(where + ": view " + t.shape.str() + " at offset " +
                           std::to_string(t.storage_offset) + " runs past its storage of " +
                           std::to_string(t.storage_numel) + " elements");
  }
  TensorInfo info;
  info.name = t.name;
  info.dtype = t.dtype;
  info.shape = t.shape;
  const auto numel = static_cast<std::size_t>(t.shape.numel());
  info.nbytes = numel * dtype_size(t.dtype);
  const bool contiguous = is_contiguous(t);
  const std::uint8_t* src = storage.data() + t.storage_offset * file_elem;
  const bool aligned = reinterpret_cast<std::uintptr_t>(src) % file_elem == 0;
  if (contiguous && aligned && !t.storage_is_f64) {
    info.data = numel ? src : storage.data();
    return info;
  }
  // Strided, misaligned or f64 storage: materialise a contiguous (f32) copy.
  std::vector<std::uint8_t> staged(numel * file_elem);
  if (contiguous) {
    if (numel) std::memcpy(staged.data(), src, staged.size());
  } else {
    gather(storage.data(), t, file_elem, staged.data());
  }
  auto& buf = owned->emplace_back((info.nbytes + 7) / 8);
  if (t.storage_is_f64) {
    auto* dst = reinterpret_cast<float*>(buf.data());
    for (std::size_t i = 0; i < numel; ++i) {
      double d;
      std::memcpy(&d, staged.data() + i * 8, 8);
      dst[i] = static_cast<float>(d);
    }
  } else if (numel) {
    std::memcpy(buf.data(), staged.data(), info.nbytes);
  }
  info.data = buf.data();
  return info;
}

}  // namespace

bool looks_like_legacy_torch(std::span<const std::uint8_t> bytes) {
  // Legacy torch.save starts with a protocol-2 pickle of its magic number (0x80 0x02 0x8a 0x0a),
  // or, for the even older tar layout, a tar header ("ustar" at offset 257).
  if (bytes.size() >= 3 && bytes[0] == 0x80 && bytes[1] <= 5) return true;
  return bytes.size() >= 262 && std::memcmp(bytes.data() + 257, "ustar", 5) == 0;
}

std::unique_ptr<TensorTable> parse_torch_zip(std::span<const std::uint8_t> bytes,
                                             const std::string& origin,
                                             std::shared_ptr<const void> keepalive) {
  if (!looks_like_zip(bytes)) {
    if (looks_like_legacy_torch(bytes)) {
      throw ModelFormatError(origin +
                             ": unsupported legacy (pre-1.6, non-zip) PyTorch format; "
                             "re-save it with a current torch.save or convert it to safetensors");
    }
    throw ModelFormatError(origin + ": not a PyTorch zip checkpoint");
  }
  ZipArchive zip(bytes, origin);
  const std::string prefix = archive_prefix(zip, origin);
  check_byteorder(zip, prefix, origin);
  const ZipEntry* pkl = zip.find(prefix + "data.pkl");
  const auto pickled = unpickle_state_dict(zip.read(*pkl, /*verify_crc=*/true), origin);
  auto owned = std::make_shared<Buffers>();
  std::vector<TensorInfo> infos;
  infos.reserve(pickled.size());
  for (const PickledTensor& t : pickled)
    infos.push_back(resolve(t, zip, prefix, origin, owned.get()));
  return std::make_unique<TensorTable>(origin, std::move(infos),
                                       keep_together({std::move(keepalive), std::move(owned)}));
}

std::unique_ptr<TensorTable> open_torch_zip(const std::string& path) {
  auto file = io::MappedFile::open(path);
  return parse_torch_zip(file->bytes(), path, file);
}

}  // namespace pixforge
