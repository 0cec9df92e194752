#include "pixforge/text/clip_tokenizer.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>

#include "bpe_vocab.h"
#include "text_clean.h"
#include "utf8.h"

#ifndef PIXFORGE_INSTALL_DATADIR
#define PIXFORGE_INSTALL_DATADIR "/usr/local/share/pixforge"
#endif

namespace pixforge::text {

struct ClipTokenizer::Impl {
  BpeVocab vocab;

  std::int32_t rank(const std::string& a, const std::string& b) const {
    const auto it = vocab.ranks.find(a + " " + b);
    return it == vocab.ranks.end() ? INT32_MAX : it->second;
  }

  // Byte-level BPE of one piece: repeatedly merge every occurrence (left to right) of the
  // adjacent pair with the lowest rank, until no pair has a rank.
  void bpe(const std::u32string& piece, std::vector<std::int32_t>& out) const {
    std::vector<std::string> word;
    for (unsigned char b : utf8_encode(piece)) word.push_back(vocab.byte_chars[b]);
    word.back() += "</w>";
    while (word.size() > 1) {
      std::int32_t best = INT32_MAX;
      std::size_t best_at = 0;
      for (std::size_t i = 0; i + 1 < word.size(); ++i) {
        const std::int32_t r = rank(word[i], word[i + 1]);
        if (r < best) best = r, best_at = i;
      }
      if (best == INT32_MAX) break;
      const std::string first = word[best_at], second = word[best_at + 1];
      std::vector<std::string> merged;
      merged.reserve(word.size());
      for (std::size_t i = 0; i < word.size(); ++i) {
        if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
          merged.push_back(first + second);
          ++i;
        } else {
          merged.push_back(std::move(word[i]));
        }
      }
      word = std::move(merged);
    }
    for (const auto& token : word) out.push_back(vocab.ids.at(token));  // checked at load
  }

  // Ids of cleaned text: CLIP's split pattern, special tokens by id, every other piece by BPE.
  void encode_clean(const std::u32string& clean, std::vector<std::int32_t>& out) const {
    for (const auto& piece : clip_split(clean)) {
      if (piece == U"<|startoftext|>") {
        out.push_back(vocab.start_token);
      } else if (piece == U"<|endoftext|>") {
        out.push_back(vocab.end_token);
      } else {
        bpe(piece, out);
      }
    }
  }
};

ClipTokenizer::ClipTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClipTokenizer::ClipTokenizer(ClipTokenizer&&) noexcept = default;
ClipTokenizer& ClipTokenizer::operator=(ClipTokenizer&&) noexcept = default;
ClipTokenizer::~ClipTokenizer() = default;

ClipTokenizer ClipTokenizer::load(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->vocab = load_bpe_vocab(path);
  return ClipTokenizer(std::move(impl));
}

ClipTokenizer ClipTokenizer::load_default() { return load(default_vocabulary_path()); }

std::vector<std::int32_t> ClipTokenizer::encode(std::string_view text) const {
  return encode(text, TextCleanup::ComfyUI);
}

std::vector<std::int32_t> ClipTokenizer::encode(std::string_view text, TextCleanup cleanup) const {
  const std::u32string decoded = utf8_decode(text);
  std::vector<std::int32_t> ids;
  if (cleanup == TextCleanup::OpenAI) {  // simple_tokenizer cleans the whole text at once
    impl_->encode_clean(clip_clean(decoded), ids);
    return ids;
  }
  for (const std::u32string& part : split_special_tokens(decoded)) {
    if (part == U"<|startoftext|>") {
      ids.push_back(impl_->vocab.start_token);
    } else if (part == U"<|endoftext|>") {
      ids.push_back(impl_->vocab.end_token);
    } else {
      impl_->encode_clean(clean_text(part, cleanup), ids);
    }
  }
  return ids;
}

std::int32_t ClipTokenizer::token_id(std::string_view token) const {
  const auto it = impl_->vocab.ids.find(std::string(token));
  return it == impl_->vocab.ids.end() ? -1 : it->second;
}
std::int32_t ClipTokenizer::start_token() const { return impl_->vocab.start_token; }
std::int32_t ClipTokenizer::end_token() const { return impl_->vocab.end_token; }
std::size_t ClipTokenizer::vocab_size() const { return impl_->vocab.ids.size(); }
const std::string& ClipTokenizer::origin() const { return impl_->vocab.origin; }

std::string default_vocabulary_path() {
  namespace fs = std::filesystem;
  const fs::path relative = fs::path("clip") / "bpe_simple_vocab_16e6.txt.gz";
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("PIXFORGE_DATA"); env != nullptr && *env != '\0') {
    candidates.push_back(fs::path(env) / relative);
  }
  candidates.push_back(fs::path(PIXFORGE_INSTALL_DATADIR) / relative);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path() / "share" / "pixforge" / relative);
    candidates.push_back(exe.parent_path().parent_path() / "share" / "pixforge" / relative);
  }
  std::string tried;
  for (const auto& c : candidates) {
    if (fs::is_regular_file(c, ec)) return c.string();
    tried += (tried.empty() ? "" : ", ") + c.string();
  }
  throw VocabularyError("CLIP vocabulary not found (set PIXFORGE_DATA or pass --vocab); tried: " +
                        tried);
}

}  // namespace pixforge::text
