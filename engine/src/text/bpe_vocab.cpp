#include "bpe_vocab.h"

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "pixforge/text/clip_tokenizer.h"
#include "utf8.h"

namespace pixforge::text {
namespace {

// CLIP's vocabulary: 256 bytes, 256 bytes ending a word, 48894 merges, 2 special tokens.
constexpr std::size_t kMergeCount = 49152 - 256 - 2;
constexpr std::size_t kMaxFileBytes = std::size_t{64} << 20;  // the real list is 1.6 MB

[[noreturn]] void fail(const std::string& origin, const std::string& what) {
  throw VocabularyError("CLIP vocabulary " + origin + ": " + what);
}

// Printable Latin-1 bytes stand for themselves; the other 68 map to U+0100.. in byte order, so
// BPE never sees whitespace or control characters. Returns the alphabet in CLIP's id order.
std::vector<int> byte_alphabet(std::array<std::string, 256>& byte_chars) {
  std::vector<int> order;
  std::array<bool, 256> printable{};
  for (int b = 0; b < 256; ++b) {
    printable[b] = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    if (printable[b]) order.push_back(b);
  }
  char32_t extra = 256;
  for (int b = 0; b < 256; ++b) {
    byte_chars[b].clear();
    utf8_append(printable[b] ? static_cast<char32_t>(b) : extra++, byte_chars[b]);
    if (!printable[b]) order.push_back(b);
  }
  return order;
}

// Whole file, gunzipped when gzip (zlib reads plain files transparently), size-capped.
std::string read_text(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) fail(path, "cannot open");
  std::string data;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) {
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > kMaxFileBytes) {
      gzclose(f);
      fail(path, "larger than 64 MiB: not a CLIP vocabulary");
    }
  }
  const bool error = n < 0;
  gzclose(f);
  if (error) fail(path, "corrupt or truncated gzip data");
  return data;
}

// Lines 1..48894 of a merges list (line 0 is a version header), as (first, second) pairs.
std::vector<std::pair<std::string, std::string>> parse_merges(const std::string& text,
                                                              const std::string& origin) {
  std::vector<std::pair<std::string, std::string>> merges;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // header
  while (merges.size() < kMergeCount && std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto space = line.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == line.size() ||
        line.find(' ', space + 1) != std::string::npos) {
      fail(origin, "merge line " + std::to_string(merges.size() + 2) + " is not 'a b'");
    }
    merges.emplace_back(line.substr(0, space), line.substr(space + 1));
  }
  if (merges.size() != kMergeCount) {
    fail(origin, "has " + std::to_string(merges.size()) + " merges, expected " +
                     std::to_string(kMergeCount) + " (truncated?)");
  }
  return merges;
}

void add_ranks(BpeVocab& v, const std::vector<std::pair<std::string, std::string>>& merges) {
  for (std::size_t i = 0; i < merges.size(); ++i) {
    v.ranks.emplace(merges[i].first + " " + merges[i].second, static_cast<std::int32_t>(i));
  }
}

BpeVocab load_openai(const std::string& path) {
  BpeVocab v;
  v.origin = path;
  const auto merges = parse_merges(read_text(path), path);
  const auto order = byte_alphabet(v.byte_chars);
  std::vector<std::string> tokens;
  for (int b : order) tokens.push_back(v.byte_chars[b]);
  for (int b : order) tokens.push_back(v.byte_chars[b] + "</w>");
  for (const auto& [a, b] : merges) tokens.push_back(a + b);
  tokens.push_back("<|startoftext|>");
  tokens.push_back("<|endoftext|>");
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    v.ids[tokens[i]] = static_cast<std::int32_t>(i);  // a later duplicate wins, as in a dict
  }
  add_ranks(v, merges);
  return v;
}

BpeVocab load_huggingface(const std::filesystem::path& dir) {
  BpeVocab v;
  v.origin = dir.string();
  const auto vocab_path = (dir / "vocab.json").string();
  const auto merges_path = (dir / "merges.txt").string();
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(read_text(vocab_path));
  } catch (const nlohmann::json::exception& e) {
    fail(vocab_path, std::string("invalid JSON: ") + e.what());
  }
  if (!json.is_object()) fail(vocab_path, "is not a JSON object of token -> id");
  for (const auto& [token, id] : json.items()) {
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0 ||
        id.get<std::int64_t>() > (1 << 24)) {
      fail(vocab_path, "an id is not an integer in [0, 2^24]");
    }
    v.ids[token] = id.get<std::int32_t>();
  }
  byte_alphabet(v.byte_chars);
  const auto merges = parse_merges(read_text(merges_path), merges_path);
  add_ranks(v, merges);
  // Every token BPE can produce must have an id, so encoding never meets an unknown token.
  for (const auto& c : v.byte_chars) {
    if (!v.ids.count(c) || !v.ids.count(c + "</w>")) fail(vocab_path, "lacks a byte token");
  }
  for (const auto& [a, b] : merges) {
    if (!v.ids.count(a + b)) fail(vocab_path, "lacks the result of a merge in merges.txt");
  }
  return v;
}

}  // namespace

BpeVocab load_bpe_vocab(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  BpeVocab v;
  if (fs::is_directory(path, ec)) {
    // A tokenizer folder, or a diffusers model folder holding one under tokenizer/.
    const fs::path dir = fs::exists(fs::path(path) / "vocab.json", ec) ? fs::path(path)
                         : fs::exists(fs::path(path) / "tokenizer" / "vocab.json", ec)
                             ? fs::path(path) / "tokenizer"
                             : fs::path();
    if (dir.empty()) fail(path, "folder has no vocab.json (nor tokenizer/vocab.json)");
    v = load_huggingface(dir);
  } else {
    v = load_openai(path);
  }
  const auto start = v.ids.find("<|startoftext|>");
  const auto end = v.ids.find("<|endoftext|>");
  if (start == v.ids.end() || end == v.ids.end()) fail(path, "lacks <|startoftext|>/<|endoftext|>");
  v.start_token = start->second;
  v.end_token = end->second;
  return v;
}

}  // namespace pixforge::text
