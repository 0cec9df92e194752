// A weighted prompt -> CLIP input chunks, as ComfyUI's SDTokenizer.tokenize_with_weights builds
// them: each chunk is [start] + up to 75 tokens + [end], padded to 77.
//   - The prompt is split into segments (prompt_weights.h), each segment into words on ' '
//     ('\n' counts as ' '), and each word is tokenized on its own, so the text cleanup
//     (options.cleanup) runs per word, after weights and escapes are resolved, as in ComfyUI;
//     a word that is itself a vocabulary entry (the raw word + "</w>", before any cleanup)
//     takes that id directly, as ComfyUI does.
//   - A word of fewer than 8 tokens that does not fit in the current chunk moves whole to the
//     next one (the current chunk is closed and padded); longer words are split across chunks.
//   - Padding: SD 1.x pads with the end token (49407), SD 2.x with 0 (ComfyUI's
//     pad_with_end=False for OpenCLIP ViT-H).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "pixforge/text/clip_tokenizer.h"

namespace pixforge::text {

struct WeightedToken {
  std::int32_t id = 0;
  double weight = 1.0;
};
using TokenChunk = std::vector<WeightedToken>;

struct ChunkOptions {
  bool pad_with_end = true;  // false: pad with token 0 (SD 2.x)
  int max_length = 77;       // CLIP's context length
  int max_word_length = 8;   // words with at least this many tokens may be split
  TextCleanup cleanup = TextCleanup::ComfyUI;
};

// At least one chunk (an empty prompt gives [start, end, pad...]); every chunk max_length long.
std::vector<TokenChunk> tokenize_prompt(const ClipTokenizer& tokenizer, std::string_view prompt,
                                        const ChunkOptions& options = {});

// The empty prompt's ids at `length` tokens: [start, end, pad...] (ComfyUI's gen_empty_tokens).
std::vector<std::int32_t> empty_chunk_ids(const ClipTokenizer& tokenizer, int length,
                                          bool pad_with_end);

}  // namespace pixforge::text
