// Writes a synthetic-weight checkpoint of a real layout, e.g. the full SD 1.5 layout in f16 for
// benchmarks:  pixforge-make-test-model tests/golden/layouts/sd15.json sd15-synthetic.safetensors f16
#include <cstdio>
#include <exception>
#include <string>

#include "synthetic_weights.h"

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: %s LAYOUT.json OUT.safetensors [f32|f16|bf16]\n", argv[0]);
    return 2;
  }
  const std::string type = argc == 4 ? argv[3] : "f16";
  pixforge::DType dtype = pixforge::DType::F16;
  if (type == "f32") dtype = pixforge::DType::F32;
  else if (type == "bf16") dtype = pixforge::DType::BF16;
  else if (type != "f16") {
    std::fprintf(stderr, "unknown dtype '%s' (f32, f16, bf16)\n", type.c_str());
    return 2;
  }
  try {
    pixforge::synthetic::write_safetensors(pixforge::synthetic::read_layout(argv[1]), dtype, argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
