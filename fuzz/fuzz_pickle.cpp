// libFuzzer: the restricted unpickler over arbitrary data.pkl bytes must return tensors or
// throw ModelFormatError; nothing else (no crash, no other exception, no global ever run).
#include <cstddef>
#include <cstdint>

#include "pixforge/io/torch_pickle.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto tensors = pixforge::unpickle_state_dict({data, size}, "fuzz.pkl");
    std::size_t n = 0;
    for (const auto& t : tensors) n += t.name.size() + t.stride.size();
    volatile std::size_t sink = n;
    (void)sink;
  } catch (const pixforge::ModelFormatError&) {
  }
  return 0;
}
