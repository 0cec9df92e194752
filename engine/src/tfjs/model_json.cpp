// model.json parsing and weight decoding (model_json.h).
#include "pixforge/tfjs/model_json.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "pixforge/core/dtype.h"

namespace pixforge::tfjs {
namespace {

using nlohmann::json;

constexpr std::int64_t kMaxElements = std::int64_t{1} << 31;  // 8 GiB of f32: no real model

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw std::runtime_error("tfjs: " + where + ": " + what);
}

// An optional string member; present with another type is an error (nlohmann's value() would
// throw its own exception type instead).
std::string string_field(const json& obj, const char* key, const std::string& dflt,
                         const std::string& where) {
  if (!obj.contains(key)) return dflt;
  if (!obj[key].is_string()) fail(where, std::string("\"") + key + "\" is not a string");
  return obj[key].get<std::string>();
}

// A finite number that fits a float (a quantisation scale or minimum).
float float_field(const json& obj, const char* key, const std::string& where) {
  if (!obj.contains(key) || !obj[key].is_number())
    fail(where, std::string("no numeric \"") + key + "\"");
  const double v = obj[key].get<double>();
  if (!std::isfinite(v) || std::fabs(v) > 3.0e38)
    fail(where, std::string("\"") + key + "\" is out of range");
  return static_cast<float>(v);
}

std::size_t stored_size(StoredAs s) {
  switch (s) {
    case StoredAs::Float32:
      return 4;
    case StoredAs::Int32:
      return 4;
    case StoredAs::Float16:
      return 2;
    case StoredAs::Uint16:
      return 2;
    case StoredAs::Uint8:
      return 1;
    case StoredAs::Bool:
      return 1;
  }
  return 4;
}

WeightSpec parse_spec(const json& w, const std::string& where) {
  if (!w.is_object()) fail(where, "weight entry is not an object");
  WeightSpec s;
  if (!w.contains("name") || !w["name"].is_string()) fail(where, "weight without a name");
  s.name = w["name"].get<std::string>();
  const std::string here = where + ": weight \"" + s.name + "\"";
  if (!w.contains("shape") || !w["shape"].is_array()) fail(here, "no shape");
  std::int64_t n = 1;
  for (const auto& d : w["shape"]) {
    if (!d.is_number_integer() || d.get<std::int64_t>() < 0) fail(here, "bad dimension in shape");
    s.shape.push_back(d.get<std::int64_t>());
    const std::int64_t dim = std::max<std::int64_t>(s.shape.back(), 1);
    if (dim > kMaxElements / n) fail(here, "shape too large");  // checked before it can overflow
    n *= dim;
  }
  s.dtype = string_field(w, "dtype", "float32", here);
  if (s.dtype == "float32") {
    s.stored = StoredAs::Float32;
  } else if (s.dtype == "int32") {
    s.stored = StoredAs::Int32;
  } else if (s.dtype == "bool") {
    s.stored = StoredAs::Bool;
  } else {
    fail(here, "unsupported dtype \"" + s.dtype + "\" (float32, int32, bool)");
  }
  if (w.contains("quantization")) {
    const json& q = w["quantization"];
    const std::string qd = q.is_object() ? string_field(q, "dtype", "", here) : std::string();
    if (qd == "float16") {
      s.stored = StoredAs::Float16;
    } else if (qd == "uint8" || qd == "uint16") {
      s.stored = qd == "uint8" ? StoredAs::Uint8 : StoredAs::Uint16;
      s.scale = float_field(q, "scale", here + ": " + qd + " quantisation");
      s.min = float_field(q, "min", here + ": " + qd + " quantisation");
    } else {
      fail(here, "unsupported quantisation \"" + qd + "\" (float16, uint8, uint16)");
    }
    // int32 weights may be quantised too (they round-trip through the affine map); bool not.
    if (s.dtype == "bool") fail(here, "quantised bool weights are not supported");
  }
  return s;
}

std::vector<std::uint8_t> read_file(const std::filesystem::path& p, const std::string& where) {
  std::ifstream in(p, std::ios::binary);
  if (!in) fail(where, "cannot read weight shard " + p.string());
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

template <class T>
T load_le(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);  // x86/ARM hosts are little-endian, like the shard format
  return v;
}

}  // namespace

std::int64_t WeightSpec::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::size_t WeightSpec::byte_size() const {
  return static_cast<std::size_t>(numel()) * stored_size(stored);
}

std::int64_t HostArray::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

ModelJson parse_model_json(const std::string& text, const std::string& path) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) fail(path, "not a JSON object");
  ModelJson m;
  m.path = path;
  if (!doc.contains("modelTopology") || !doc["modelTopology"].is_object()) {
    fail(path, "no modelTopology");
  }
  m.topology = std::move(doc["modelTopology"]);
  const std::string format = string_field(doc, "format", "", path);
  if (format == "graph-model" || m.topology.contains("node")) {
    m.format = ModelFormat::Graph;
  } else if (format == "layers-model" || format.empty()) {
    m.format = ModelFormat::Layers;
  } else {
    fail(path, "unknown format \"" + format + "\"");
  }
  if (!doc.contains("weightsManifest") || !doc["weightsManifest"].is_array()) {
    fail(path, "no weightsManifest");
  }
  for (std::size_t g = 0; g < doc["weightsManifest"].size(); ++g) {
    const json& group = doc["weightsManifest"][g];
    const std::string where = path + ": weightsManifest[" + std::to_string(g) + "]";
    if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() ||
        !group.contains("weights") || !group["weights"].is_array()) {
      fail(where, "needs \"paths\" and \"weights\" arrays");
    }
    WeightGroup wg;
    for (const auto& p : group["paths"]) {
      if (!p.is_string()) fail(where, "shard path is not a string");
      const std::string s = p.get<std::string>();
      // Shards live beside model.json: refuse absolute paths and "..".
      if (s.empty() || s[0] == '/' || s.find("..") != std::string::npos) {
        fail(where, "shard path \"" + s + "\" leaves the model folder");
      }
      wg.paths.push_back(s);
    }
    for (const auto& w : group["weights"]) wg.weights.push_back(parse_spec(w, where));
    m.groups.push_back(std::move(wg));
  }
  return m;
}

ModelJson read_model_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot read (is the model installed? see `pixforge models install`)");
  std::stringstream text;
  text << in.rdbuf();
  return parse_model_json(text.str(), path);
}

void decode_group(const std::vector<WeightSpec>& specs, std::span<const std::uint8_t> bytes,
                  const std::string& where, WeightMap& out) {
  std::size_t offset = 0;
  for (const WeightSpec& s : specs) {
    const std::size_t size = s.byte_size();
    if (size > bytes.size() - offset) {
      fail(where, "weight \"" + s.name + "\" needs " + std::to_string(size) + " bytes at offset " +
                      std::to_string(offset) + ", shards hold " + std::to_string(bytes.size()));
    }
    const std::uint8_t* p = bytes.data() + offset;
    const auto n = static_cast<std::size_t>(s.numel());
    HostArray a;
    a.shape = s.shape;
    a.is_int = s.dtype != "float32";
    std::vector<float> f(n);
    for (std::size_t i = 0; i < n; ++i) {
      switch (s.stored) {
        case StoredAs::Float32:
          f[i] = load_le<float>(p + 4 * i);
          break;
        case StoredAs::Float16:
          f[i] = f16_to_f32(load_le<std::uint16_t>(p + 2 * i));
          break;
        case StoredAs::Uint8:
          f[i] = static_cast<float>(p[i]) * s.scale + s.min;
          break;
        case StoredAs::Uint16:
          f[i] = static_cast<float>(load_le<std::uint16_t>(p + 2 * i)) * s.scale + s.min;
          break;
        case StoredAs::Int32:
          f[i] = static_cast<float>(load_le<std::int32_t>(p + 4 * i));
          break;
        case StoredAs::Bool:
          f[i] = p[i] != 0 ? 1.0f : 0.0f;
          break;
      }
    }
    if (a.is_int) {
      a.ints.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        a.ints[i] = s.stored == StoredAs::Int32 ? load_le<std::int32_t>(p + 4 * i)
                                                : static_cast<std::int32_t>(std::lround(f[i]));
      }
    } else {
      a.values = std::move(f);
    }
    if (!out.emplace(s.name, std::move(a)).second)
      fail(where, "duplicate weight \"" + s.name + "\"");
    offset += size;
  }
}

WeightMap load_weights(const ModelJson& model) {
  const std::filesystem::path dir = std::filesystem::path(model.path).parent_path();
  WeightMap out;
  for (std::size_t g = 0; g < model.groups.size(); ++g) {
    std::vector<std::uint8_t> bytes;
    for (const auto& p : model.groups[g].paths) {
      auto shard = read_file(dir / p, model.path);
      bytes.insert(bytes.end(), shard.begin(), shard.end());
    }
    decode_group(model.groups[g].weights, bytes, model.path + ": weight group " + std::to_string(g),
                 out);
  }
  return out;
}

}  // namespace pixforge::tfjs
