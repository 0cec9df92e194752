#include "synthetic_weights.h"

#include <cmath>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace pixforge::synthetic {
namespace {

std::uint64_t splitmix_finalise(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Matches scale_and_offset() in synthetic.py.
std::pair<double, double> scale_and_offset(std::string_view name, const Shape& shape) {
  if (shape.rank() <= 1) {
    const bool is_weight = name.size() >= 7 && name.substr(name.size() - 7) == ".weight";
    return is_weight ? std::pair{0.1, 1.0} : std::pair{0.05, 0.0};
  }
  const std::int64_t fan_in = std::max<std::int64_t>(shape.numel() / std::max<std::int64_t>(shape[0], 1), 1);
  return {std::sqrt(3.0 / static_cast<double>(fan_in)), 0.0};
}

const char* safetensors_dtype(DType t) {
  switch (t) {
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    default: throw std::invalid_argument("synthetic weights are f32, f16 or bf16");
  }
}

}  // namespace

std::uint64_t name_hash(std::string_view name) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return h;
}

void fill(std::string_view name, const Shape& shape, float* out) {
  const std::uint64_t h = name_hash(name);
  const auto [scale, offset] = scale_and_offset(name, shape);
  const std::int64_t n = shape.numel();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint64_t z = splitmix_finalise(h + static_cast<std::uint64_t>(i + 1) * 0x9E3779B97F4A7C15ull);
    const double u = static_cast<double>(z >> 11) * 0x1.0p-53 * 2.0 - 1.0;
    out[i] = static_cast<float>(scale * u + offset);
  }
}

std::vector<float> values(std::string_view name, const Shape& shape) {
  std::vector<float> v(static_cast<std::size_t>(shape.numel()));
  fill(name, shape, v.data());
  return v;
}

std::vector<LayoutEntry> read_layout(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open layout file " + path);
  const auto j = nlohmann::json::parse(in);
  std::vector<LayoutEntry> layout;
  for (const auto& [name, dims] : j.items()) {
    Shape s;
    for (const auto& d : dims) s.push_back(d.get<std::int64_t>());
    layout.push_back({name, s});
  }
  return layout;
}

void write_safetensors(const std::vector<LayoutEntry>& layout, DType dtype, const std::string& path) {
  nlohmann::json header = nlohmann::json::object();
  std::uint64_t offset = 0;
  for (const auto& e : layout) {
    const std::uint64_t bytes = static_cast<std::uint64_t>(e.shape.numel()) * dtype_size(dtype);
    std::vector<std::int64_t> dims;
    for (int i = 0; i < e.shape.rank(); ++i) dims.push_back(e.shape[i]);
    header[e.name] = {{"dtype", safetensors_dtype(dtype)}, {"shape", dims}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  header["__metadata__"] = {{"format", "pt"}, {"generator", "pixforge synthetic weights"}};
  std::string head = header.dump();
  head.append((8 - head.size() % 8) % 8, ' ');
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + path);
  const std::uint64_t len = head.size();
  out.write(reinterpret_cast<const char*>(&len), 8);
  out.write(head.data(), static_cast<std::streamsize>(head.size()));
  std::vector<float> f32;
  std::vector<unsigned char> raw;
  for (const auto& e : layout) {
    f32.resize(static_cast<std::size_t>(e.shape.numel()));
    fill(e.name, e.shape, f32.data());
    raw.resize(f32.size() * dtype_size(dtype));
    convert_from_f32(dtype, f32.data(), raw.data(), f32.size());
    out.write(reinterpret_cast<const char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
  }
  if (!out) throw std::runtime_error("write failed: " + path);
}

}  // namespace pixforge::synthetic
