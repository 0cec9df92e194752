// CLIP's byte-level BPE tokenizer (SD 1.x/2.x, SDXL): text -> token ids, the same ids as OpenAI
// CLIP's simple_tokenizer.py (the reference, tools/reference/text_tokenizer.py):
//   1. ftfy.fix_text (ftfy 6.3 defaults, restated in engine/src/text/ftfy_*.cpp: HTML
//      references, mojibake repair, C1 controls, Latin ligatures, full/half width, curly
//      quotes, line breaks, control characters, NFC), html-unescape twice (Python
//      html.unescape), strip, collapse whitespace runs to one space (Python str.isspace),
//      lowercase (Python str.lower);
//   2. split into pieces with CLIP's pattern: <|startoftext|>, <|endoftext|>, 's 't 're 've 'm
//      'll 'd, runs of letters (\p{L}), single numbers (\p{N}), runs of anything else except
//      whitespace;
//   3. each piece's UTF-8 bytes -> CLIP's printable byte alphabet, "</w>" on the last one, BPE
//      merges by rank, ids from the vocabulary.
// Differences from other tokenizers, on purpose:
//   - Hugging Face's CLIPTokenizer without ftfy installed does not html-unescape,
//     drops control characters, applies NFC and splits CJK ideographs one per piece, so it can
//     differ on such prompts; on ASCII without '&' references all three agree.
// Unicode classes and NFC come from tables generated from python-regex/Python (Unicode 14), no
// ICU.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

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

  // Token ids of `text` without start/end tokens. Const and stateless: safe to call from
  // several threads. `text` is UTF-8 (std::invalid_argument
  // naming the byte offset otherwise).
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
