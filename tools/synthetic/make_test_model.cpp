// Writes a synthetic-weight checkpoint of a real layout (one or more layout files concatenated,
// e.g. the SD 1.5 UNet, VAE and text encoder) for tests and benchmarks:
//   pixforge-make-test-model sd15-synthetic.safetensors f16 tests/golden/layouts/sd15_*.json
#include <cstdio>
#include <exception>
#include <string>

#include "synthetic_weights.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s OUT.safetensors f32|f16|bf16 LAYOUT.json [LAYOUT.json...]\n", argv[0]);
    return 2;
  }
  const std::string type = argv[2];
  pixforge::DType dtype = pixforge::DType::F16;
  if (type == "f32") {
    dtype = pixforge::DType::F32;
  } else if (type == "bf16") {
    dtype = pixforge::DType::BF16;
  } else if (type != "f16") {
    std::fprintf(stderr, "unknown dtype '%s' (f32, f16, bf16)\n", type.c_str());
    return 2;
  }
  try {
    std::vector<pixforge::synthetic::LayoutEntry> layout;
    for (int i = 3; i < argc; ++i) {
      auto part = pixforge::synthetic::read_layout(argv[i]);
      layout.insert(layout.end(), part.begin(), part.end());
    }
    pixforge::synthetic::write_safetensors(layout, dtype, argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
