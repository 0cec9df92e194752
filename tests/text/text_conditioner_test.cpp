// TextConditioner against ComfyUI's encode_token_weights restated in tools/reference/
// text_clip.py (weighted_golden): a two-chunk SD 1.5 prompt with (x:1.3), ((x)), (x:0.7)
// weights, f32. Tolerance atol/rtol 5e-5 as the encoder's f32 stages (the weighting itself is
// exact arithmetic on top; weights up to 1.3 scale differences by at most 1.3).
#include "pixforge/text/text_conditioner.h"

#include <gtest/gtest.h>

#include <numeric>

#include "pixforge/cpu/cpu_backend.h"
#include "sd15_model.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge::text {
namespace {

using testing_support::sd15_f32_encoder;

const ClipTokenizer& tokenizer() {
  static const ClipTokenizer t =
      ClipTokenizer::load(testing::shared_data_path("clip/bpe_simple_vocab_16e6.txt.gz"));
  return t;
}

std::vector<float> slice_tokens(const std::vector<float>& v, std::size_t begin, std::size_t end,
                                std::size_t width) {
  return {v.begin() + static_cast<std::ptrdiff_t>(begin * width),
          v.begin() + static_cast<std::ptrdiff_t>(end * width)};
}

TEST(TextConditioner, WeightedTwoChunkPromptMatchesComfyUiReference) {
  const auto g =
      testing::load_golden(testing::golden_path("text/clip_sd15_weighted.safetensors"), 1);
  const TextConditioner conditioner(tokenizer(), sd15_f32_encoder());
  const Tensor cond = conditioner.encode(g.metadata.at("prompt"));
  EXPECT_EQ(cond.shape(), (Shape{1, 154, 768}));
  EXPECT_TRUE(testing::all_close(cond.to_host(), g.at("conditioning").values, 5e-5, 5e-5));
  EXPECT_EQ(conditioner.context_dim(), 768);
}

// The cleanup chosen per request reaches the tokenizer: a CJK prompt (one piece per ideograph
// only in ComfyUI's cleanup) encodes as the options' cleanup does, and the two differ. Exact
// equality: the same ids through the same encoder give the same floats.
TEST(TextConditioner, TextCleanupPerRequestMatchesTheOptionsCleanup) {
  const std::string prompt = "\u6771\u4eac (\u591c\u666f:1.2)";
  TextConditionerOptions openai_options;
  openai_options.chunks.cleanup = TextCleanup::OpenAI;
  const TextConditioner comfy(tokenizer(), sd15_f32_encoder());
  const TextConditioner openai(tokenizer(), sd15_f32_encoder(), openai_options);
  const auto per_request = comfy.encode(prompt, TextCleanup::OpenAI).to_host();
  EXPECT_EQ(per_request, openai.encode(prompt).to_host());
  EXPECT_NE(per_request, comfy.encode(prompt).to_host());
}

TEST(TextConditioner, UnweightedPromptIsThePlainEncoding) {
  const TextConditioner conditioner(tokenizer(), sd15_f32_encoder());
  const auto& g = testing_support::sd15_golden();
  // Golden row 0 is "a lighthouse at dusk, oil painting, highly detailed, 8k", end-padded.
  const Tensor cond = conditioner.encode("a lighthouse at dusk, oil painting, highly detailed, 8k");
  const auto& out = g.at("output").values;
  EXPECT_TRUE(testing::all_close(cond.to_host(), slice_tokens(out, 0, 77, 768), 5e-5, 5e-5));
}

TEST(TextConditioner, PairLengthsMatchedByRepeatingLikeComfyUi) {
  const TextConditioner conditioner(tokenizer(), sd15_f32_encoder());
  const std::string long_prompt = [] {
    std::string s;
    for (int i = 0; i < 30; ++i) s += "red apple, ";
    return s;
  }();  // 90 tokens: two chunks
  const Conditioning c = conditioner.encode_pair(long_prompt, "blurry");
  ASSERT_EQ(c.cond.shape(), (Shape{1, 154, 768}));
  ASSERT_EQ(c.uncond.shape(), (Shape{1, 154, 768}));
  const auto u = c.uncond.to_host();
  const auto single = conditioner.encode("blurry").to_host();
  EXPECT_EQ(slice_tokens(u, 0, 77, 768), single);
  EXPECT_EQ(slice_tokens(u, 77, 154, 768), single);  // repeated, not padded
  EXPECT_TRUE(
      testing::all_close(c.cond.to_host(), conditioner.encode(long_prompt).to_host(), 1e-6, 1e-6));
}

TEST(TextConditioner, PairLengthsMatchedByEmptyChunksLikeA1111) {
  TextConditionerOptions options;
  options.length_matching = LengthMatching::PadWithEmptyChunks;
  const TextConditioner conditioner(tokenizer(), sd15_f32_encoder(), options);
  std::string long_prompt;
  for (int i = 0; i < 30; ++i) long_prompt += "red apple, ";
  const Conditioning c = conditioner.encode_pair(long_prompt, "blurry");
  ASSERT_EQ(c.uncond.shape(), (Shape{1, 154, 768}));
  const auto u = c.uncond.to_host();
  EXPECT_TRUE(testing::all_close(slice_tokens(u, 0, 77, 768),
                                 conditioner.encode("blurry").to_host(), 1e-6, 1e-6));
  EXPECT_TRUE(testing::all_close(slice_tokens(u, 77, 154, 768), conditioner.encode("").to_host(),
                                 1e-6, 1e-6));
}

TEST(TextConditioner, WeightOneIsANoOpAndNonFiniteWeightsAreRejected) {
  const TextConditioner conditioner(tokenizer(), sd15_f32_encoder());
  EXPECT_EQ(conditioner.encode("(red apple:1.0)").to_host(),
            conditioner.encode("red apple").to_host());
  EXPECT_THROW(conditioner.encode("(red apple:inf)"), std::invalid_argument);
  EXPECT_THROW(conditioner.encode("apple (x:nan)"), std::invalid_argument);
  EXPECT_THROW(conditioner.encode("bad \xFF utf8"), std::invalid_argument);
}

TEST(MatchLengths, RepeatsToLeastCommonMultiple) {
  auto backend = make_reference_backend();
  std::vector<float> a(2 * 3), b(3 * 3);
  std::iota(a.begin(), a.end(), 0.0f);
  std::iota(b.begin(), b.end(), 100.0f);
  const Tensor ta = Tensor::from_host(*backend, Shape{1, 2, 3}, a);
  const Tensor tb = Tensor::from_host(*backend, Shape{1, 3, 3}, b);
  const auto m = match_lengths(ta, tb, LengthMatching::RepeatToLcm, Tensor(), 1);
  EXPECT_EQ(m.cond.shape(), (Shape{1, 6, 3}));
  EXPECT_EQ(m.uncond.shape(), (Shape{1, 6, 3}));
  EXPECT_EQ(m.cond.to_host()[6], 0.0f);  // second copy starts over
  EXPECT_EQ(m.uncond.to_host()[9], 100.0f);
  EXPECT_THROW(match_lengths(ta, tb, LengthMatching::PadWithEmptyChunks, Tensor(), 1),
               std::invalid_argument);
}

}  // namespace
}  // namespace pixforge::text
