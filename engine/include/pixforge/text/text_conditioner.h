// Prompt -> the UNet's cross-attention context, as ComfyUI's CLIPTextEncode computes it
// (comfy/sd1_clip.py encode_token_weights):
//   1. weights and 77-token chunks (token_chunks.h);
//   2. every chunk (and, when any weight is not 1, the empty prompt [start, end, pad...]) in
//      one encoder batch;
//   3. each weighted token moved away from the empty prompt's encoding at the same position:
//      z = (z - z_empty)·w + z_empty (in f32);
//   4. chunks concatenated along tokens: [1, 77·k, C].
// cond and uncond of different lengths are matched for one batched UNet call. ComfyUI repeats
// each to the least common multiple of the lengths (CONDCrossAttn.concat: repeating keys and
// values leaves attention unchanged; ComfyUI runs the two separately instead when the factor
// exceeds 4, with the same result). AUTOMATIC1111 pads the shorter with empty-prompt chunks,
// which changes the result; it is available as an option.
#pragma once

#include <string_view>

#include "pixforge/core/tensor.h"
#include "pixforge/text/clip_text_encoder.h"
#include "pixforge/text/clip_tokenizer.h"
#include "pixforge/text/token_chunks.h"

namespace pixforge::text {

enum class LengthMatching {
  RepeatToLcm,         // ComfyUI (default): no effect on the result
  PadWithEmptyChunks,  // AUTOMATIC1111: append encodings of the empty prompt
};

struct TextConditionerOptions {
  ChunkOptions chunks;  // pad_with_end: SD 1.x true, SD 2.x false
  LengthMatching length_matching = LengthMatching::RepeatToLcm;
  static TextConditionerOptions sd1() { return {}; }
  static TextConditionerOptions sd2() {
    TextConditionerOptions o;
    o.chunks.pad_with_end = false;
    return o;
  }
};

struct Conditioning {
  Tensor cond, uncond;  // [1, 77·k, C] each, the same k
};

class TextConditioner {
 public:
  // Keeps references: `tokenizer` and `encoder` must outlive the conditioner.
  TextConditioner(const ClipTokenizer& tokenizer, const ClipTextEncoder& encoder,
                  TextConditionerOptions options = {});

  // [1, 77·k, C] f32 on the encoder's backend. Throws std::invalid_argument for invalid UTF-8
  // or a weight that is not a finite number (it would turn the conditioning into NaN).
  Tensor encode(std::string_view prompt) const;
  // The same with another text cleanup than options().chunks.cleanup (one per request).
  Tensor encode(std::string_view prompt, TextCleanup cleanup) const;

  // Prompt and negative prompt in one encoder batch, lengths matched per options.
  Conditioning encode_pair(std::string_view prompt, std::string_view negative) const;
  Conditioning encode_pair(std::string_view prompt, std::string_view negative,
                           TextCleanup cleanup) const;

  int context_dim() const { return static_cast<int>(encoder_.config().width); }
  const TextConditionerOptions& options() const { return options_; }

 private:
  // Encodes several prompts' chunks in one batch; returns one [1, 77·k_i, C] tensor each.
  std::vector<Tensor> encode_many(const std::vector<std::vector<TokenChunk>>& prompts,
                                  bool need_empty, Tensor* empty_out) const;

  const ClipTokenizer& tokenizer_;
  const ClipTextEncoder& encoder_;
  TextConditionerOptions options_;
};

// Matches token counts (multiples of `chunk`) of two [1, N, C] conditionings: repeat each to
// the lcm (RepeatToLcm) or append copies of `empty_chunk` ([1, chunk, C]) to the shorter.
Conditioning match_lengths(const Tensor& cond, const Tensor& uncond, LengthMatching how,
                           const Tensor& empty_chunk, std::int64_t chunk = 77);

}  // namespace pixforge::text
