#include "pixforge/io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "checked_math.h"
#include "mapped_file.h"

namespace pixforge {

namespace {

using nlohmann::json;

constexpr int kMaxJsonDepth = 16;  // the format needs 3 levels; deeper input is hostile

struct Parsed {
  std::string name;
  DType dtype = DType::F32;
  bool from_f64 = false;
  Shape shape;
  std::uint64_t begin = 0, end = 0;
};

std::optional<DType> dtype_from_string(const std::string& s, bool* is_f64) {
  *is_f64 = false;
  if (s == "F32") return DType::F32;
  if (s == "F16") return DType::F16;
  if (s == "BF16") return DType::BF16;
  if (s == "I32") return DType::I32;
  if (s == "I64") return DType::I64;
  if (s == "U8") return DType::U8;
  if (s == "F64") {
    *is_f64 = true;
    return DType::F32;
  }
  return std::nullopt;
}

// Rejects JSON nested deeper than kMaxJsonDepth before nlohmann builds it, so a header of a
// million '[' cannot exhaust memory. Brackets inside strings are skipped.
void check_json_depth(std::string_view text, const std::string& origin) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth)
        throw ModelFormatError(origin + ": header JSON nested too deeply");
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
}

std::uint64_t json_uint(const json& v, const std::string& origin, const std::string& what) {
  if (!v.is_number_unsigned()) {
    throw ModelFormatError(origin + ": " + what + " is not a non-negative integer");
  }
  return v.get<std::uint64_t>();
}

Parsed parse_entry(const std::string& name, const json& e, std::uint64_t data_size,
                   const std::string& origin) {
  const std::string where = origin + ": tensor '" + name + "'";
  if (!e.is_object()) throw ModelFormatError(where + ": header entry is not an object");
  Parsed p;
  p.name = name;
  auto dt = e.find("dtype");
  if (dt == e.end() || !dt->is_string()) throw ModelFormatError(where + ": missing dtype");
  auto dtype = dtype_from_string(dt->get<std::string>(), &p.from_f64);
  if (!dtype) {
    throw ModelFormatError(where + ": unsupported dtype '" + dt->get<std::string>() +
                           "' (supported: F32, F16, BF16, I32, I64, U8, F64)");
  }
  p.dtype = *dtype;
  auto sh = e.find("shape");
  if (sh == e.end() || !sh->is_array()) throw ModelFormatError(where + ": missing shape");
  if (sh->size() > static_cast<std::size_t>(Shape::kMaxRank)) {
    throw ModelFormatError(where + ": rank " + std::to_string(sh->size()) + " exceeds 6");
  }
  std::uint64_t numel = 1;
  for (const json& d : *sh) {
    const std::uint64_t dim = json_uint(d, where, "a shape dimension");
    if (dim > io::kMaxDim)
      throw ModelFormatError(where + ": absurd dimension " + std::to_string(dim));
    numel = io::checked_mul(numel, dim, where + ": shape element count");
    p.shape.push_back(static_cast<std::int64_t>(dim));
  }
  auto off = e.find("data_offsets");
  if (off == e.end() || !off->is_array() || off->size() != 2) {
    throw ModelFormatError(where + ": data_offsets must be [begin, end]");
  }
  p.begin = json_uint((*off)[0], where, "data_offsets[0]");
  p.end = json_uint((*off)[1], where, "data_offsets[1]");
  if (p.begin > p.end || p.end > data_size) {
    throw ModelFormatError(where + ": data_offsets [" + std::to_string(p.begin) + ", " +
                           std::to_string(p.end) + ") outside the " + std::to_string(data_size) +
                           "-byte data section");
  }
  const std::uint64_t elem = p.from_f64 ? 8 : dtype_size(p.dtype);
  const std::uint64_t want = io::checked_mul(numel, elem, where + ": byte size");
  if (want != p.end - p.begin) {
    throw ModelFormatError(where + ": shape " + p.shape.str() + " needs " + std::to_string(want) +
                           " bytes but data_offsets span " + std::to_string(p.end - p.begin));
  }
  return p;
}

std::unordered_map<std::string, std::string> parse_metadata(const json& m,
                                                            const std::string& origin) {
  if (!m.is_object()) throw ModelFormatError(origin + ": __metadata__ is not an object");
  std::unordered_map<std::string, std::string> out;
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (it.value().is_string()) out.emplace(it.key(), it.value().get<std::string>());
  }
  return out;
}

// Overlapping tensors would let one tensor alias another's bytes: legal to read, but never
// produced by a real writer, so it marks a corrupt or crafted file.
void check_no_overlap(std::vector<Parsed>& entries, const std::string& origin) {
  std::vector<const Parsed*> order;
  order.reserve(entries.size());
  for (const auto& p : entries) order.push_back(&p);
  std::sort(order.begin(), order.end(), [](const Parsed* a, const Parsed* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  for (std::size_t i = 1; i < order.size(); ++i) {
    if (order[i]->begin < order[i - 1]->end) {
      throw ModelFormatError(origin + ": tensors '" + order[i - 1]->name + "' and '" +
                             order[i]->name + "' overlap");
    }
  }
}

}  // namespace

std::unique_ptr<TensorTable> parse_safetensors(std::span<const std::uint8_t> bytes,
                                               const std::string& origin,
                                               std::shared_ptr<const void> keepalive) {
  if (bytes.size() < 8) throw ModelFormatError(origin + ": too short for a safetensors header");
  std::uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[static_cast<std::size_t>(i)];
  if (header_len > kMaxSafetensorsHeader) {
    throw ModelFormatError(origin + ": header length " + std::to_string(header_len) +
                           " exceeds the 100 MB limit");
  }
  if (header_len > bytes.size() - 8) {
    throw ModelFormatError(origin + ": header length " + std::to_string(header_len) +
                           " runs past the end of the file (truncated?)");
  }
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + 8), header_len);
  check_json_depth(text, origin);
  json header = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) {
    throw ModelFormatError(origin + ": header is not a JSON object");
  }
  const std::uint8_t* data = bytes.data() + 8 + header_len;
  const std::uint64_t data_size = bytes.size() - 8 - header_len;

  std::vector<Parsed> entries;
  std::unordered_map<std::string, std::string> metadata;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      metadata = parse_metadata(it.value(), origin);
    } else {
      entries.push_back(parse_entry(it.key(), it.value(), data_size, origin));
    }
  }
  check_no_overlap(entries, origin);

  // Converted (F64) or re-aligned tensors live in buffers owned alongside the mapping.
  auto owned = std::make_shared<std::vector<std::vector<std::uint64_t>>>();
  std::vector<TensorInfo> infos;
  infos.reserve(entries.size());
  for (const Parsed& p : entries) {
    TensorInfo t;
    t.name = p.name;
    t.dtype = p.dtype;
    t.shape = p.shape;
    const std::uint8_t* src = data + p.begin;
    const std::size_t span = static_cast<std::size_t>(p.end - p.begin);
    if (p.from_f64) {
      const std::size_t n = span / 8;
      auto& buf = owned->emplace_back((n * 4 + 7) / 8);
      auto* dst = reinterpret_cast<float*>(buf.data());
      for (std::size_t i = 0; i < n; ++i) {
        double d;
        std::memcpy(&d, src + i * 8, 8);
        dst[i] = static_cast<float>(d);
      }
      t.data = dst;
      t.nbytes = n * 4;
    } else if (reinterpret_cast<std::uintptr_t>(src) % dtype_size(p.dtype) != 0) {
      // Typed access needs natural alignment; a header length not padded to 8 breaks it.
      auto& buf = owned->emplace_back((span + 7) / 8);
      if (span) std::memcpy(buf.data(), src, span);
      t.data = buf.data();
      t.nbytes = span;
    } else {
      t.data = src;
      t.nbytes = span;
    }
    infos.push_back(std::move(t));
  }
  auto table = std::make_unique<TensorTable>(
      origin, std::move(infos), keep_together({std::move(keepalive), std::move(owned)}));
  table->set_metadata(std::move(metadata));
  return table;
}

std::unique_ptr<TensorTable> open_safetensors(const std::string& path) {
  auto file = io::MappedFile::open(path);
  return parse_safetensors(file->bytes(), path, file);
}

}  // namespace pixforge
