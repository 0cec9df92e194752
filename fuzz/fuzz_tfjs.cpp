// libFuzzer: TF.js model.json parsing and weight-shard decoding must turn any input into
// decoded weights or a std::runtime_error naming the problem. Input layout: a 2-byte
// little-endian length n, then n bytes of model.json text, then the concatenated shard bytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "pixforge/tfjs/model_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t n = std::min<std::size_t>(data[0] | (std::size_t{data[1]} << 8), size - 2);
  const std::string text(reinterpret_cast<const char*>(data + 2), n);
  const std::span<const std::uint8_t> shard(data + 2 + n, size - 2 - n);
  try {
    const pixforge::tfjs::ModelJson m = pixforge::tfjs::parse_model_json(text, "fuzz.json");
    pixforge::tfjs::WeightMap w;
    for (const auto& g : m.groups) pixforge::tfjs::decode_group(g.weights, shard, "fuzz", w);
    // Read every decoded value, so a short buffer shows up under AddressSanitizer.
    float acc = 0;
    for (const auto& [name, a] : w) {
      for (float v : a.values) acc += v;
      for (std::int32_t v : a.ints) acc += static_cast<float>(v);
    }
    volatile float sink = acc;
    (void)sink;
  } catch (const std::runtime_error&) {
  }
  return 0;
}
