// TensorFlow.js model files: model.json (a Keras layers-model topology or a GraphDef
// graph-model) plus binary weight shards described by its weightsManifest. This header reads
// the JSON and decodes the weights (float32, float16, uint8/uint16 affine-quantised, int32)
// into host arrays; layers_model.h / graph_model.h turn them into networks on a backend.
// Every size and offset is checked, so a truncated or hostile file gives an error naming the
// file and weight, never an out-of-bounds read.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

namespace pixforge::tfjs {

enum class ModelFormat { Layers, Graph };

// How a weight is stored in its shard.
enum class StoredAs { Float32, Float16, Uint8, Uint16, Int32, Bool };

struct WeightSpec {
  std::string name;
  std::vector<std::int64_t> shape;
  std::string dtype;  // logical dtype: "float32", "int32" or "bool"
  StoredAs stored = StoredAs::Float32;
  float scale = 1.0f, min = 0.0f;  // uint8/uint16: value = q * scale + min
  std::size_t byte_size() const;
  std::int64_t numel() const;
};

struct WeightGroup {
  std::vector<std::string> paths;  // shard files, relative to model.json
  std::vector<WeightSpec> weights;
};

struct ModelJson {
  std::string path;  // the model.json file
  ModelFormat format = ModelFormat::Layers;
  nlohmann::json topology;  // "modelTopology"
  std::vector<WeightGroup> groups;
};

// A decoded weight: float values (float32/float16/quantised) or ints (int32/bool).
struct HostArray {
  std::vector<std::int64_t> shape;
  std::vector<float> values;
  std::vector<std::int32_t> ints;
  bool is_int = false;
  std::int64_t numel() const;
};
using WeightMap = std::map<std::string, HostArray>;

// Parses model.json; throws std::runtime_error naming the file and field.
ModelJson read_model_json(const std::string& path);
ModelJson parse_model_json(const std::string& text, const std::string& path);
// Reads every group's shards (concatenated in order) and decodes the weights.
WeightMap load_weights(const ModelJson& model);
// Decodes one group's weights from its concatenated shard bytes (exposed for tests/fuzzing).
void decode_group(const std::vector<WeightSpec>& specs, std::span<const std::uint8_t> bytes,
                  const std::string& where, WeightMap& out);

}  // namespace pixforge::tfjs
