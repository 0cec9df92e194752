// Hostile and odd input never crashes the text front end: random bytes are either rejected as
// invalid UTF-8 (std::invalid_argument) or tokenized; random prompts built from the weighting
// syntax always give well-formed 77-token chunks with ids inside the vocabulary.
#include <gtest/gtest.h>

#include <random>

#include "pixforge/text/clip_tokenizer.h"
#include "pixforge/text/prompt_weights.h"
#include "pixforge/text/token_chunks.h"
#include "testing/paths.h"

namespace pixforge::text {
namespace {

const ClipTokenizer& tokenizer() {
  static const ClipTokenizer t =
      ClipTokenizer::load(testing::shared_data_path("clip/bpe_simple_vocab_16e6.txt.gz"));
  return t;
}

void expect_well_formed(const std::vector<TokenChunk>& chunks, const std::string& what) {
  ASSERT_FALSE(chunks.empty()) << what;
  for (const auto& chunk : chunks) {
    ASSERT_EQ(chunk.size(), 77u) << what;
    EXPECT_EQ(chunk.front().id, 49406) << what;
    for (const auto& t : chunk) {
      ASSERT_GE(t.id, 0) << what;
      ASSERT_LT(t.id, 49408) << what;
    }
  }
}

TEST(TextRobustness, RandomBytesAreTokenizedOrRejected) {
  std::mt19937 rng(1234);
  int rejected = 0;
  for (int i = 0; i < 300; ++i) {
    std::string s(rng() % 64, '\0');
    for (char& c : s) c = static_cast<char>(rng() & 0xFF);
    try {
      for (std::int32_t id : tokenizer().encode(s)) ASSERT_LT(id, 49408);
      expect_well_formed(tokenize_prompt(tokenizer(), s), "random bytes #" + std::to_string(i));
    } catch (const std::invalid_argument&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 0);  // random bytes are mostly invalid UTF-8
}

TEST(TextRobustness, RandomWeightSyntaxGivesWellFormedChunks) {
  static const char* kParts[] = {"(",
                                 ")",
                                 "((",
                                 "))",
                                 ":",
                                 ":1.5",
                                 ":-2",
                                 ":1e3",
                                 "\\(",
                                 "\\)",
                                 "[",
                                 "]",
                                 " ",
                                 "\n",
                                 "cat",
                                 "東京",
                                 "🐱",
                                 "&amp;",
                                 "<|endoftext|>",
                                 "embedding:x",
                                 ",",
                                 "supercalifragilistic",
                                 "'s",
                                 "\t"};
  std::mt19937 rng(99);
  for (int i = 0; i < 300; ++i) {
    std::string s;
    const int n = static_cast<int>(rng() % 120);
    for (int k = 0; k < n; ++k) s += kParts[rng() % (sizeof kParts / sizeof kParts[0])];
    const auto segments = parse_prompt_weights(s);
    for (const auto& seg : segments) EXPECT_FALSE(seg.text.empty()) << s;
    ChunkOptions options;
    options.pad_with_end = (i % 2) == 0;
    expect_well_formed(tokenize_prompt(tokenizer(), s, options), s);
  }
}

TEST(TextRobustness, VeryLongPromptsMakeManyChunks) {
  std::string s;
  for (int i = 0; i < 2000; ++i) s += "word ";
  const auto chunks = tokenize_prompt(tokenizer(), s);
  expect_well_formed(chunks, "2000 words");
  EXPECT_EQ(chunks.size(), 27u);  // 2000 one-token words, 75 per chunk
}

}  // namespace
}  // namespace pixforge::text
