// The C++ CLIP tokenizer must give the reference tokenizer's ids (tools/reference/
// text_tokenizer.py: OpenAI simple_tokenizer, transformers' CLIPTokenizer with and without ftfy,
// ftfy.fix_text restated) in each of the three text cleanups on every corpus string: ASCII,
// punctuation, whitespace runs, accents, CJK, emoji, html references, special tokens, empty and
// long prompts, prompts that need ftfy's cleanup (curly quotes, full width, ligatures, NFD
// accents, mojibake, line breaks, terminal escapes) and prompts where the cleanups differ
// (CJK ideographs, entities, control and format characters, special tokens next to
// punctuation, Greek final sigma). Exact equality: ids are integers.
#include "pixforge/text/clip_tokenizer.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge::text {
namespace {

const ClipTokenizer& tokenizer() {
  static const ClipTokenizer t =
      ClipTokenizer::load(testing::shared_data_path("clip/bpe_simple_vocab_16e6.txt.gz"));
  return t;
}

void expect_reference_ids(TextCleanup cleanup,
                          const char* golden = "text/tokenizer_ids.safetensors", int version = 3,
                          std::size_t min_size = 91) {
  const auto g = testing::load_golden(testing::golden_path(golden), version);
  const auto corpus = nlohmann::json::parse(g.metadata.at("corpus"));
  std::string key(text_cleanup_name(cleanup));
  std::replace(key.begin(), key.end(), '-', '_');
  const auto& ids = g.at("ids_" + key).ints;
  const auto& offsets = g.at("offsets_" + key).ints;
  ASSERT_EQ(offsets.size(), corpus.size() + 1);
  ASSERT_GE(corpus.size(), min_size);
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const std::string text = corpus[i].get<std::string>();
    const std::vector<std::int32_t> expected(ids.begin() + offsets[i],
                                             ids.begin() + offsets[i + 1]);
    EXPECT_EQ(tokenizer().encode(text, cleanup), expected)
        << text_cleanup_name(cleanup) << ", corpus string #" << i << ": " << text;
  }
}

TEST(ClipTokenizer, MatchesReferenceIdsOnCorpusComfyUi) {
  expect_reference_ids(TextCleanup::ComfyUI);
}
TEST(ClipTokenizer, MatchesReferenceIdsOnCorpusHfFtfy) {
  expect_reference_ids(TextCleanup::HfFtfy);
}
TEST(ClipTokenizer, MatchesReferenceIdsOnCorpusOpenAi) {
  expect_reference_ids(TextCleanup::OpenAI);
}

// 1500 random short mixes of the characters where the cleanups differ (final sigma, combining,
// format, control and unassigned code points, CJK, spaces, special tokens, entities, mojibake;
// text_tokenizer.py's random_corpus, seed 7).
TEST(ClipTokenizer, MatchesReferenceIdsOnRandomPrompts) {
  for (TextCleanup c : {TextCleanup::ComfyUI, TextCleanup::HfFtfy, TextCleanup::OpenAI}) {
    expect_reference_ids(c, "text/tokenizer_random_ids.safetensors", 1, 1500);
  }
}

TEST(ClipTokenizer, DefaultCleanupIsComfyUi) {
  for (const char* text : {"\u6771\u4eac", "&amp; x", "a\u200bb"}) {
    EXPECT_EQ(tokenizer().encode(text), tokenizer().encode(text, TextCleanup::ComfyUI)) << text;
  }
  // The three differ where the upstream programs do: CJK ideographs are one piece each only in
  // ComfyUI's BasicTokenizer path; only OpenAI's unescapes html after ftfy saw a '<'.
  EXPECT_NE(tokenizer().encode("\u6771\u4eac", TextCleanup::ComfyUI),
            tokenizer().encode("\u6771\u4eac", TextCleanup::OpenAI));
  EXPECT_EQ(tokenizer().encode("&amp;", TextCleanup::HfFtfy),
            tokenizer().encode("&", TextCleanup::HfFtfy));
  EXPECT_NE(tokenizer().encode("&amp;", TextCleanup::ComfyUI),
            tokenizer().encode("&", TextCleanup::ComfyUI));
  EXPECT_NE(tokenizer().encode("<b> &amp;", TextCleanup::HfFtfy),
            tokenizer().encode("<b> &amp;", TextCleanup::OpenAI));
}

TEST(TextCleanup, NamesRoundTripAndUnknownNamesAreRefused) {
  ASSERT_EQ(text_cleanup_names().size(), 3u);
  for (std::string_view name : text_cleanup_names()) {
    EXPECT_EQ(text_cleanup_name(parse_text_cleanup(name)), name);
  }
  EXPECT_EQ(parse_text_cleanup("hf-ftfy"), TextCleanup::HfFtfy);
  try {
    (void)parse_text_cleanup("ComfyUI");  // names are exact, lower case
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("comfyui, hf-ftfy or openai"), std::string::npos);
  }
}

TEST(ClipTokenizer, KnowsClipSpecialTokensAndVocabularySize) {
  EXPECT_EQ(tokenizer().start_token(), 49406);
  EXPECT_EQ(tokenizer().end_token(), 49407);
  EXPECT_EQ(tokenizer().vocab_size(), 49408u);
  EXPECT_EQ(tokenizer().token_id("cat</w>"), 2368);
  EXPECT_EQ(tokenizer().token_id("no such token"), -1);
}

TEST(ClipTokenizer, RejectsInvalidUtf8NamingTheOffsetNotTheText) {
  try {
    tokenizer().encode("ok \xC3(secret");
    FAIL() << "invalid UTF-8 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("byte 3"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << e.what();
  }
  EXPECT_THROW(tokenizer().encode("\xED\xA0\x80"), std::invalid_argument);  // surrogate
  EXPECT_THROW(tokenizer().encode("\xC0\xAF"), std::invalid_argument);      // overlong '/'
  EXPECT_THROW(tokenizer().encode("\xF0\x9F\x98"), std::invalid_argument);  // truncated
}

class VocabularyFiles : public ::testing::Test {
 protected:
  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / ("pixforge_vocab_test_" + std::to_string(getpid()));
  void SetUp() override { std::filesystem::create_directories(dir_); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& content) {
    const auto p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }
};

TEST_F(VocabularyFiles, MissingTruncatedAndMalformedFilesGiveClearErrors) {
  EXPECT_THROW(ClipTokenizer::load((dir_ / "absent.txt.gz").string()), VocabularyError);
  try {
    ClipTokenizer::load(write("short.txt", "#version\na b\nc d\n"));
    FAIL() << "truncated vocabulary accepted";
  } catch (const VocabularyError& e) {
    EXPECT_NE(std::string(e.what()).find("has 2 merges"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ClipTokenizer::load(write("bad.txt", "#version\nabc\n")), VocabularyError);
  // A gzip header followed by garbage.
  EXPECT_THROW(ClipTokenizer::load(write("bad.gz", std::string("\x1f\x8b\x08\x00garbage", 11))),
               VocabularyError);
}

// CLIP's byte alphabet (a fact of the format): printable Latin-1 bytes stand for themselves,
// the other 68 for U+0100 onwards in byte order. UTF-8 of byte b's stand-in.
std::string byte_token(int b) {
  int extra = 0;
  for (int x = 0; x < b; ++x) {
    if (!((x >= 0x21 && x <= 0x7E) || (x >= 0xA1 && x <= 0xAC) || x >= 0xAE)) ++extra;
  }
  const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
  const unsigned c = printable ? static_cast<unsigned>(b) : 256u + static_cast<unsigned>(extra);
  if (c < 0x80) return std::string(1, static_cast<char>(c));
  return {static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))};
}

TEST_F(VocabularyFiles, HuggingFaceFolderGivesTheSameIds) {
  // A diffusers tokenizer/ folder (vocab.json + merges.txt) written from the gz merges list.
  const auto& t = tokenizer();
  gzFile gz = gzopen(testing::shared_data_path("clip/bpe_simple_vocab_16e6.txt.gz").c_str(), "rb");
  ASSERT_NE(gz, nullptr);
  std::string raw;
  char buf[65536];
  for (int n; (n = gzread(gz, buf, sizeof buf)) > 0;) raw.append(buf, static_cast<std::size_t>(n));
  gzclose(gz);
  std::istringstream lines(raw);
  std::string line, merges = "#version: 0.2\n";
  nlohmann::json vocab = nlohmann::json::object();
  std::getline(lines, line);
  for (int i = 0; i < 48894 && std::getline(lines, line); ++i) {
    merges += line + "\n";
    const auto joined = line.substr(0, line.find(' ')) + line.substr(line.find(' ') + 1);
    vocab[joined] = t.token_id(joined);
  }
  for (int b = 0; b < 256; ++b) {
    vocab[byte_token(b)] = t.token_id(byte_token(b));
    vocab[byte_token(b) + "</w>"] = t.token_id(byte_token(b) + "</w>");
  }
  vocab["<|startoftext|>"] = 49406;
  vocab["<|endoftext|>"] = 49407;
  const auto folder = dir_ / "tokenizer";
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "merges.txt") << merges;
  std::ofstream(folder / "vocab.json") << vocab.dump();

  const auto hf = ClipTokenizer::load(folder.string());
  // A diffusers model folder (tokenizer/ inside) and the uncompressed merges list load too.
  EXPECT_EQ(ClipTokenizer::load(dir_.string()).encode("a photo of a cat"),
            t.encode("a photo of a cat"));
  std::ofstream(dir_ / "bpe_simple_vocab_16e6.txt", std::ios::binary) << raw;
  EXPECT_EQ(ClipTokenizer::load((dir_ / "bpe_simple_vocab_16e6.txt").string()).encode("東京 café"),
            t.encode("東京 café"));
  std::filesystem::create_directories(dir_ / "empty");
  EXPECT_THROW(ClipTokenizer::load((dir_ / "empty").string()), VocabularyError);
  EXPECT_EQ(hf.vocab_size(), 49408u);
  for (const char* text : {"a photo of a cat", "東京タワー 🐱 café", "(masterpiece:1.2)"}) {
    EXPECT_EQ(hf.encode(text), t.encode(text)) << text;
  }
  // A vocab.json that lacks a merge result is refused at load, not at encode.
  vocab.erase("cat</w>");
  std::ofstream(folder / "vocab.json") << vocab.dump();
  EXPECT_THROW(ClipTokenizer::load(folder.string()), VocabularyError);
  std::ofstream(folder / "vocab.json") << "[1, 2";
  EXPECT_THROW(ClipTokenizer::load(folder.string()), VocabularyError);
}

TEST(ClipTokenizer, DefaultPathHonoursPixforgeData) {
  const std::string shared = testing::shared_data_dir();
  ASSERT_EQ(setenv("PIXFORGE_DATA", shared.c_str(), 1), 0);
  EXPECT_EQ(std::filesystem::path(default_vocabulary_path()),
            std::filesystem::path(shared) / "clip" / "bpe_simple_vocab_16e6.txt.gz");
  ASSERT_EQ(setenv("PIXFORGE_DATA", "/nonexistent-pixforge-data", 1), 0);
  try {
    (void)default_vocabulary_path();
    // Found under the install prefix or beside the executable: nothing to check here.
  } catch (const VocabularyError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-pixforge-data"), std::string::npos);
  }
  unsetenv("PIXFORGE_DATA");
}

}  // namespace
}  // namespace pixforge::text
