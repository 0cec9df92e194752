// CLIP's BPE vocabulary: token ids, merge ranks and the printable byte alphabet, read from
// OpenAI's bpe_simple_vocab_16e6.txt(.gz) or a Hugging Face tokenizer folder.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace pixforge::text {

struct BpeVocab {
  std::string origin;
  // Token (UTF-8 of byte-alphabet characters, "</w>" marking a word end) -> id.
  std::unordered_map<std::string, std::int32_t> ids;
  // "first second" -> merge rank (lower merges first).
  std::unordered_map<std::string, std::int32_t> ranks;
  // Byte -> UTF-8 of its printable stand-in character.
  std::array<std::string, 256> byte_chars;
  std::int32_t start_token = -1, end_token = -1;
};

// Dispatches on the path: a directory is a Hugging Face folder (vocab.json + merges.txt),
// anything else OpenAI's merges list (gzip or plain). Throws VocabularyError.
BpeVocab load_bpe_vocab(const std::string& path);

}  // namespace pixforge::text
