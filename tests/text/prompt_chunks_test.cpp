// Prompt weighting and 77-token chunking must reproduce ComfyUI's tokenize_with_weights as
// restated in tools/reference/text_prompt.py, with the text cleanup running per word after
// weights and escapes are resolved (each of the three cleanups): ids exactly, weights to 1e-12
// relative (both sides compute them in double; only the order of 1.1 products could differ).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "pixforge/text/prompt_weights.h"
#include "pixforge/text/token_chunks.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge::text {
namespace {

const ClipTokenizer& tokenizer() {
  static const ClipTokenizer t =
      ClipTokenizer::load(testing::shared_data_path("clip/bpe_simple_vocab_16e6.txt.gz"));
  return t;
}

TEST(PromptChunks, MatchComfyUiReferenceOnCorpus) {
  const auto g = testing::load_golden(testing::golden_path("text/prompt_chunks.safetensors"), 2);
  const auto prompts = nlohmann::json::parse(g.metadata.at("prompts"));
  const auto& ids = g.at("ids").ints;
  const auto& weights = g.at("weights").values;
  const auto& offsets = g.at("offsets").ints;
  const auto& pad_flags = g.at("pad_with_end").ints;
  const auto& cleanups = g.at("cleanup").ints;  // 0 comfyui, 1 hf-ftfy, 2 openai
  ASSERT_EQ(offsets.size(), prompts.size() + 1);
  ASSERT_EQ(cleanups.size(), prompts.size());
  for (std::size_t p = 0; p < prompts.size(); ++p) {
    ChunkOptions options;
    options.pad_with_end = pad_flags[p] != 0;
    options.cleanup =
        parse_text_cleanup(text_cleanup_names().at(static_cast<std::size_t>(cleanups[p])));
    const auto chunks = tokenize_prompt(tokenizer(), prompts[p].get<std::string>(), options);
    std::vector<std::int64_t> got_ids;
    std::vector<double> got_weights;
    for (const auto& chunk : chunks) {
      EXPECT_EQ(chunk.size(), 77u);
      for (const auto& t : chunk) got_ids.push_back(t.id), got_weights.push_back(t.weight);
    }
    const std::vector<std::int64_t> want(ids.begin() + offsets[p], ids.begin() + offsets[p + 1]);
    ASSERT_EQ(got_ids, want) << "prompt #" << p << " (" << text_cleanup_name(options.cleanup)
                             << "): " << prompts[p];
    for (std::size_t i = 0; i < got_weights.size(); ++i) {
      const double e = weights[static_cast<std::size_t>(offsets[p]) + i];
      if (std::isinf(e)) {
        EXPECT_EQ(got_weights[i], e) << "prompt #" << p << " token " << i;
      } else {
        EXPECT_NEAR(got_weights[i], e, 1e-6 * std::abs(e)) << "prompt #" << p << " token " << i;
      }
    }
  }
}

TEST(PromptWeights, ComfyUiSemantics) {
  auto w = parse_prompt_weights("a (b) ((c)) (d:1.5) ((e:0.5)) [f] \\(g\\)");
  ASSERT_EQ(w.size(), 9u);
  EXPECT_EQ(w[1].text, "b");
  EXPECT_DOUBLE_EQ(w[1].weight, 1.1);
  EXPECT_DOUBLE_EQ(w[3].weight, 1.1 * 1.1);
  EXPECT_DOUBLE_EQ(w[5].weight, 1.5);
  EXPECT_EQ(w[7].text, "e");
  EXPECT_DOUBLE_EQ(w[7].weight, 0.5);  // absolute: the outer level does not multiply it
  EXPECT_EQ(w[8].text, " [f] (g)");    // brackets are text; escapes resolved
  EXPECT_DOUBLE_EQ(w[8].weight, 1.0);
  // Not a number: the colon stays text and the group gets x1.1.
  w = parse_prompt_weights("(ratio 16:9x)");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].text, "ratio 16:9x");
  EXPECT_DOUBLE_EQ(w[0].weight, 1.1);
}

TEST(PromptWeights, PythonFloatSyntax) {
  const auto weight_of = [](const char* p) { return parse_prompt_weights(p).at(0).weight; };
  EXPECT_DOUBLE_EQ(weight_of("(x: 2 )"), 2.0);
  EXPECT_DOUBLE_EQ(weight_of("(x:1_0.5)"), 10.5);
  EXPECT_DOUBLE_EQ(weight_of("(x:.5)"), 0.5);
  EXPECT_DOUBLE_EQ(weight_of("(x:5.)"), 5.0);
  EXPECT_DOUBLE_EQ(weight_of("(x:-1e-1)"), -0.1);
  EXPECT_TRUE(std::isinf(weight_of("(x:Infinity)")));
  EXPECT_TRUE(std::isnan(weight_of("(x:nan)")));
  for (const char* bad :
       {"(x:1__0)", "(x:_1)", "(x:1_)", "(x:.)", "(x:1e)", "(x:0x10)", "(x:1.2.3)"}) {
    EXPECT_DOUBLE_EQ(weight_of(bad), 1.1) << bad;
  }
}

TEST(PromptChunks, EmptyPromptAndPadding) {
  const auto sd1 = tokenize_prompt(tokenizer(), "");
  ASSERT_EQ(sd1.size(), 1u);
  EXPECT_EQ(sd1[0][0].id, 49406);
  for (std::size_t i = 1; i < 77; ++i) EXPECT_EQ(sd1[0][i].id, 49407);
  ChunkOptions sd2;
  sd2.pad_with_end = false;
  const auto chunks = tokenize_prompt(tokenizer(), "cat", sd2);
  EXPECT_EQ(chunks[0][1].id, 2368);
  EXPECT_EQ(chunks[0][2].id, 49407);
  EXPECT_EQ(chunks[0][3].id, 0);
  EXPECT_EQ(empty_chunk_ids(tokenizer(), 77, false)[2], 0);
  EXPECT_EQ(empty_chunk_ids(tokenizer(), 77, true)[76], 49407);
  ChunkOptions bad;
  bad.max_length = 2;
  EXPECT_THROW(tokenize_prompt(tokenizer(), "cat", bad), std::invalid_argument);
}

}  // namespace
}  // namespace pixforge::text
