// CLIP's byte-level BPE tokenizer (SD 1.x/2.x, SDXL): text -> token ids, as the upstream
// programs compute them (references: tools/reference/text_tokenizer.py):
//   1. clean the text as the chosen upstream does (pixforge/text/text_cleanup.h; default
//      ComfyUI's: transformers' CLIPTokenizer without ftfy);
//   2. split into pieces with CLIP's pattern: <|startoftext|>, <|endoftext|>, 's 't 're 've 'm
//      'll 'd, runs of letters (\p{L}), single numbers (\p{N}), runs of anything else except
//      whitespace;
//   3. each piece's UTF-8 bytes -> CLIP's printable byte alphabet, "</w>" on the last one, BPE
//      merges by rank, ids from the vocabulary.
// Unicode classes, categories and NFC come from tables generated from python-regex/Python
// (Unicode 14), no ICU; ftfy.fix_text is restated in engine/src/text/ftfy_*.cpp (ftfy 6.3.1).
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "pixforge/text/text_cleanup.h"

namespace pixforge::text {

// Thrown for an unreadable, malformed or truncated vocabulary; names the file and the problem.
class VocabularyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ClipTokenizer {
 public:
  // `path` is one of:
  //   - bpe_simple_vocab_16e6.txt.gz (OpenAI's merges list, gzip) or its uncompressed .txt;
  //   - a Hugging Face tokenizer folder holding vocab.json and merges.txt, or a diffusers
  //     model folder with one under tokenizer/.
  static ClipTokenizer load(const std::string& path);
  // The vocabulary from the data directory (see default_vocabulary_path()).
  static ClipTokenizer load_default();

  ClipTokenizer(ClipTokenizer&&) noexcept;
  ClipTokenizer& operator=(ClipTokenizer&&) noexcept;
  ~ClipTokenizer();

  // Token ids of `text` without start/end tokens (special tokens written in the text become
  // their ids). Const and stateless: safe to call from several threads. `text` is UTF-8
  // (std::invalid_argument naming the byte offset otherwise).
  std::vector<std::int32_t> encode(std::string_view text, TextCleanup cleanup) const;
  // encode(text, TextCleanup::ComfyUI).
  std::vector<std::int32_t> encode(std::string_view text) const;

  // The id of a vocabulary entry in CLIP's byte alphabet (e.g. "cat</w>"), or -1.
  std::int32_t token_id(std::string_view token) const;
  std::int32_t start_token() const;  // <|startoftext|>, 49406 in CLIP's vocabulary
  std::int32_t end_token() const;    // <|endoftext|>, 49407
  std::size_t vocab_size() const;
  const std::string& origin() const;  // the file or folder it was loaded from

 private:
  struct Impl;
  explicit ClipTokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Where the CLI and service find data files (the CLIP vocabulary), first match wins:
//   1. $PIXFORGE_DATA/clip/bpe_simple_vocab_16e6.txt.gz
//   2. <install prefix>/share/pixforge/clip/bpe_simple_vocab_16e6.txt.gz
//   3. share/pixforge/clip/... and ../share/pixforge/clip/... beside the running executable
// Throws VocabularyError listing the places tried when none exists.
std::string default_vocabulary_path();

}  // namespace pixforge::text
