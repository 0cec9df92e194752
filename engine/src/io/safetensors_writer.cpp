#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "pixforge/io/safetensors.h"

namespace pixforge {

namespace {

const char* safetensors_dtype(DType t) {
  switch (t) {
    case DType::F32:
      return "F32";
    case DType::F16:
      return "F16";
    case DType::BF16:
      return "BF16";
    case DType::I32:
      return "I32";
    case DType::I64:
      return "I64";
    case DType::U8:
      return "U8";
  }
  throw std::invalid_argument("serialize_safetensors: unknown dtype");
}

}  // namespace

std::vector<std::uint8_t> serialize_safetensors(
    const std::vector<TensorInfo>& tensors, const std::map<std::string, std::string>& metadata) {
  // nlohmann::ordered_json keeps the tensors in the caller's order (readers do not care, but
  // diffs of written files stay readable).
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::size_t offset = 0;
  for (const TensorInfo& t : tensors) {
    const std::size_t want = static_cast<std::size_t>(t.shape.numel()) * dtype_size(t.dtype);
    if (want != t.nbytes) {
      throw std::invalid_argument("serialize_safetensors: tensor '" + t.name + "' has " +
                                  std::to_string(t.nbytes) + " bytes for shape " + t.shape.str());
    }
    std::vector<std::int64_t> dims;
    for (int i = 0; i < t.shape.rank(); ++i) dims.push_back(t.shape[i]);
    header[t.name] = {{"dtype", safetensors_dtype(t.dtype)},
                      {"shape", dims},
                      {"data_offsets", {offset, offset + t.nbytes}}};
    offset += t.nbytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::vector<std::uint8_t> out(8 + text.size() + offset);
  std::uint64_t len = text.size();
  for (int i = 0; i < 8; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(len >> (8 * i));
  std::memcpy(out.data() + 8, text.data(), text.size());
  std::size_t pos = 8 + text.size();
  for (const TensorInfo& t : tensors) {
    if (t.nbytes) std::memcpy(out.data() + pos, t.data, t.nbytes);
    pos += t.nbytes;
  }
  return out;
}

void save_safetensors(const std::string& path, const std::vector<TensorInfo>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const std::vector<std::uint8_t> bytes = serialize_safetensors(tensors, metadata);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error(path + ": cannot write safetensors file");
}

}  // namespace pixforge
