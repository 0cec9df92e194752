// libFuzzer: whole torch.save zip files (zip directory, ZIP64, data.pkl, storage bounds).
#include <cstddef>
#include <cstdint>

#include "fuzz_common.h"
#include "pixforge/io/torch_pickle.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto table = pixforge::parse_torch_zip({data, size}, "fuzz.pth", nullptr);
    pixforge::fuzz::touch_all(*table);
  } catch (const pixforge::ModelFormatError&) {
  }
  return 0;
}
