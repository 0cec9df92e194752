// libFuzzer target for the text front end: arbitrary bytes as a prompt through the CLIP
// tokenizer (each of the three text cleanups, chosen by the input's length), the ComfyUI weight
// parser and the 77-token chunker. Invalid UTF-8 must be refused with std::invalid_argument;
// anything else must give well-formed chunks.
//   PIXFORGE_DATA=../shared/data build-fuzz/fuzz/fuzz_clip_tokenizer -max_total_time=60
//   -max_len=512
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "pixforge/text/clip_tokenizer.h"
#include "pixforge/text/token_chunks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pixforge::text;
  static const ClipTokenizer tokenizer = ClipTokenizer::load_default();
  const std::string_view prompt(reinterpret_cast<const char*>(data), size);
  const TextCleanup cleanup = size % 3 == 0   ? TextCleanup::ComfyUI
                              : size % 3 == 1 ? TextCleanup::HfFtfy
                                              : TextCleanup::OpenAI;
  try {
    for (std::int32_t id : tokenizer.encode(prompt, cleanup)) {
      if (id < 0 || id >= 49408) std::abort();
    }
    ChunkOptions options;
    options.pad_with_end = size % 2 == 0;
    options.cleanup = cleanup;
    for (const TokenChunk& chunk : tokenize_prompt(tokenizer, prompt, options)) {
      if (chunk.size() != 77 || chunk.front().id != tokenizer.start_token()) std::abort();
    }
  } catch (const std::invalid_argument&) {
    // invalid UTF-8: refused, as it must be
  }
  return 0;
}
