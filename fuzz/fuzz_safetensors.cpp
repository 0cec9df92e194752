// libFuzzer: the safetensors reader must turn any input into a table or a ModelFormatError.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.h"
#include "pixforge/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto table = pixforge::parse_safetensors({data, size}, "fuzz.safetensors", nullptr);
    pixforge::fuzz::touch_all(*table);
  } catch (const pixforge::ModelFormatError&) {
  }
  return 0;
}
