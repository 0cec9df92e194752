// Seeded mutations of a valid model.json and shard: parsing and decoding either succeed or
// throw std::runtime_error; they never read out of bounds or crash (run under ASan in CI's
// sanitizer build to catch what a plain run cannot).
#include <gtest/gtest.h>

#include <random>

#include "pixforge/tfjs/model_json.h"

namespace pixforge::tfjs {
namespace {

TEST(TfjsHostile, mutated_manifests_and_shards_fail_cleanly) {
  const std::string base = R"({"format": "layers-model", "modelTopology": {"model_config": {}},
    "weightsManifest": [{"paths": ["w.bin"], "weights": [
      {"name": "a", "shape": [2, 3], "dtype": "float32"},
      {"name": "b", "shape": [4], "dtype": "float32", "quantization": {"dtype": "uint8", "scale": 0.1, "min": -1}},
      {"name": "c", "shape": [2], "dtype": "float32", "quantization": {"dtype": "float16"}},
      {"name": "d", "shape": [3], "dtype": "int32"}]}]})";
  const std::vector<std::uint8_t> shard(6 * 4 + 4 + 2 * 2 + 3 * 4, 0x41);
  std::mt19937 rng(1234);
  int parsed = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string text = base;
    std::vector<std::uint8_t> bytes = shard;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t pos = rng() % text.size();
      switch (rng() % 4) {
        case 0: text[pos] = static_cast<char>("0123456789-[]{}\",:e"[rng() % 19]); break;
        case 1: text.erase(pos, 1 + rng() % 8); break;
        case 2: text.insert(pos, std::to_string(static_cast<int>(rng()))); break;
        case 3: bytes.resize(rng() % (shard.size() + 8)); break;
      }
    }
    try {
      const ModelJson m = parse_model_json(text, "fuzz.json");
      WeightMap w;
      for (const auto& g : m.groups) decode_group(g.weights, bytes, "fuzz", w);
      ++parsed;
    } catch (const std::runtime_error&) {
    }
  }
  EXPECT_GT(parsed, 0);  // some mutations stay valid: the loop exercised decoding too
}

}  // namespace
}  // namespace pixforge::tfjs
