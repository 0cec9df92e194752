#include "pixforge/text/text_conditioner.h"

#include <cmath>
#include <numeric>
#include <stdexcept>

namespace pixforge::text {
namespace {

bool has_weights(const std::vector<TokenChunk>& chunks) {
  bool weighted = false;
  for (const auto& chunk : chunks) {
    for (const auto& t : chunk) {
      if (!std::isfinite(t.weight)) {
        throw std::invalid_argument("prompt weight is not a finite number");
      }
      weighted = weighted || t.weight != 1.0;
    }
  }
  return weighted;
}

// z[j] = (z[j] - z_empty[j])·w + z_empty[j] for the tokens of `chunk` whose weight is not 1,
// in f32 like PyTorch's float tensor ops.
void apply_weights(const TokenChunk& chunk, float* z, const float* z_empty, std::size_t width) {
  for (std::size_t j = 0; j < chunk.size(); ++j) {
    if (chunk[j].weight == 1.0) continue;
    const float w = static_cast<float>(chunk[j].weight);
    float* row = z + j * width;
    const float* empty = z_empty + j * width;
    for (std::size_t c = 0; c < width; ++c) row[c] = (row[c] - empty[c]) * w + empty[c];
  }
}

// [1, N, C] repeated `times` along tokens (torch's x.repeat(1, times, 1)).
Tensor tile_tokens(const Tensor& x, std::int64_t times) {
  if (times == 1) return x;
  const auto v = x.to_host();
  std::vector<float> out;
  out.reserve(v.size() * static_cast<std::size_t>(times));
  for (std::int64_t i = 0; i < times; ++i) out.insert(out.end(), v.begin(), v.end());
  return Tensor::from_host(x.backend(), Shape{1, x.dim(1) * times, x.dim(2)}, out);
}

Tensor pad_with(const Tensor& x, const Tensor& empty_chunk, std::int64_t target) {
  const auto v = x.to_host();
  const auto e = empty_chunk.to_host();
  std::vector<float> out(v);
  for (std::int64_t n = x.dim(1); n < target; n += empty_chunk.dim(1)) {
    out.insert(out.end(), e.begin(), e.end());
  }
  return Tensor::from_host(x.backend(), Shape{1, target, x.dim(2)}, out);
}

}  // namespace

TextConditioner::TextConditioner(const ClipTokenizer& tokenizer, const ClipTextEncoder& encoder,
                                 TextConditionerOptions options)
    : tokenizer_(tokenizer), encoder_(encoder), options_(options) {
  if (options_.chunks.max_length > encoder.config().positions) {
    throw std::invalid_argument("chunk length " + std::to_string(options_.chunks.max_length) +
                                " exceeds the encoder's " +
                                std::to_string(encoder.config().positions) + " positions");
  }
}

std::vector<Tensor> TextConditioner::encode_many(
    const std::vector<std::vector<TokenChunk>>& prompts, bool need_empty, Tensor* empty_out) const {
  bool weighted = false;
  std::vector<std::vector<std::int32_t>> rows;
  for (const auto& chunks : prompts) {
    weighted = has_weights(chunks) || weighted;
    for (const auto& chunk : chunks) {
      rows.emplace_back();
      for (const auto& t : chunk) rows.back().push_back(t.id);
    }
  }
  const std::size_t n_chunks = rows.size();
  const bool with_empty = weighted || need_empty;
  if (with_empty) {
    rows.push_back(
        empty_chunk_ids(tokenizer_, options_.chunks.max_length, options_.chunks.pad_with_end));
  }
  const Tensor z = encoder_.encode(rows);  // [rows, L, C]
  const std::size_t length = static_cast<std::size_t>(z.dim(1));
  const std::size_t width = static_cast<std::size_t>(z.dim(2));
  std::vector<float> all = z.to_host();
  const float* z_empty = with_empty ? all.data() + n_chunks * length * width : nullptr;
  if (with_empty && empty_out != nullptr) {
    std::vector<float> e(z_empty, z_empty + length * width);
    *empty_out = Tensor::from_host(z.backend(), Shape{1, z.dim(1), z.dim(2)}, e);
  }
  std::vector<Tensor> out;
  std::size_t row = 0;
  for (const auto& chunks : prompts) {
    std::vector<float> cond;
    cond.reserve(chunks.size() * length * width);
    for (const auto& chunk : chunks) {
      float* z_row = all.data() + row++ * length * width;
      if (weighted) apply_weights(chunk, z_row, z_empty, width);
      cond.insert(cond.end(), z_row, z_row + length * width);
    }
    const auto tokens = static_cast<std::int64_t>(chunks.size() * length);
    out.push_back(Tensor::from_host(z.backend(), Shape{1, tokens, z.dim(2)}, cond));
  }
  return out;
}

Tensor TextConditioner::encode(std::string_view prompt) const {
  return encode(prompt, options_.chunks.cleanup);
}

Tensor TextConditioner::encode(std::string_view prompt, TextCleanup cleanup) const {
  ChunkOptions chunks = options_.chunks;
  chunks.cleanup = cleanup;
  return encode_many({tokenize_prompt(tokenizer_, prompt, chunks)}, false, nullptr)[0];
}

Conditioning TextConditioner::encode_pair(std::string_view prompt,
                                          std::string_view negative) const {
  return encode_pair(prompt, negative, options_.chunks.cleanup);
}

Conditioning TextConditioner::encode_pair(std::string_view prompt, std::string_view negative,
                                          TextCleanup cleanup) const {
  ChunkOptions chunks = options_.chunks;
  chunks.cleanup = cleanup;
  auto cond_chunks = tokenize_prompt(tokenizer_, prompt, chunks);
  auto uncond_chunks = tokenize_prompt(tokenizer_, negative, chunks);
  const bool pad = options_.length_matching == LengthMatching::PadWithEmptyChunks &&
                   cond_chunks.size() != uncond_chunks.size();
  Tensor empty;
  auto z = encode_many({cond_chunks, uncond_chunks}, pad, &empty);
  return match_lengths(z[0], z[1], options_.length_matching, empty,
                       static_cast<std::int64_t>(options_.chunks.max_length));
}

Conditioning match_lengths(const Tensor& cond, const Tensor& uncond, LengthMatching how,
                           const Tensor& empty_chunk, std::int64_t chunk) {
  const std::int64_t a = cond.dim(1), b = uncond.dim(1);
  if (a == b) return {cond, uncond};
  if (how == LengthMatching::RepeatToLcm) {
    const std::int64_t lcm = std::lcm(a, b);
    return {tile_tokens(cond, lcm / a), tile_tokens(uncond, lcm / b)};
  }
  if (!empty_chunk.defined() || empty_chunk.dim(1) != chunk || a % chunk != 0 || b % chunk != 0) {
    throw std::invalid_argument("match_lengths: padding needs an empty-prompt chunk of " +
                                std::to_string(chunk) + " tokens and lengths that are multiples");
  }
  const std::int64_t target = std::max(a, b);
  return {a < target ? pad_with(cond, empty_chunk, target) : cond,
          b < target ? pad_with(uncond, empty_chunk, target) : uncond};
}

}  // namespace pixforge::text
