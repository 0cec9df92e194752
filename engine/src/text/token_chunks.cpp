#include "pixforge/text/token_chunks.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "pixforge/text/prompt_weights.h"

namespace pixforge::text {
namespace {

using Word = std::vector<WeightedToken>;

// Words of every segment, each tokenized on its own as ComfyUI does.
std::vector<Word> tokenize_words(const ClipTokenizer& tokenizer, std::string_view prompt,
                                 TextCleanup cleanup) {
  std::vector<Word> words;
  for (const WeightedText& segment : parse_prompt_weights(prompt)) {
    std::string text = segment.text;
    for (char& c : text) {
      if (c == '\n') c = ' ';
    }
    std::size_t begin = 0;
    while (begin <= text.size()) {
      std::size_t end = text.find(' ', begin);
      if (end == std::string::npos) end = text.size();
      if (end > begin) {
        const std::string word = text.substr(begin, end - begin);
        const std::int32_t exact = tokenizer.token_id(word + "</w>");
        Word w;
        for (std::int32_t id :
             exact >= 0 ? std::vector<std::int32_t>{exact} : tokenizer.encode(word, cleanup)) {
          w.push_back({id, segment.weight});
        }
        if (!w.empty()) words.push_back(std::move(w));
      }
      begin = end + 1;
    }
  }
  return words;
}

}  // namespace

std::vector<TokenChunk> tokenize_prompt(const ClipTokenizer& tokenizer, std::string_view prompt,
                                        const ChunkOptions& options) {
  if (options.max_length < 3 || options.max_word_length < 1) {
    throw std::invalid_argument("chunk options: max_length must be >= 3 and max_word_length >= 1");
  }
  const std::size_t max_length = static_cast<std::size_t>(options.max_length);
  const WeightedToken start{tokenizer.start_token(), 1.0}, end{tokenizer.end_token(), 1.0};
  const WeightedToken pad{options.pad_with_end ? tokenizer.end_token() : 0, 1.0};
  std::vector<TokenChunk> chunks(1, TokenChunk{start});
  for (Word word : tokenize_words(tokenizer, prompt, options.cleanup)) {
    const bool splittable = word.size() >= static_cast<std::size_t>(options.max_word_length);
    while (!word.empty()) {
      TokenChunk& chunk = chunks.back();
      if (word.size() + chunk.size() <= max_length - 1) {
        chunk.insert(chunk.end(), word.begin(), word.end());
        break;
      }
      const std::size_t room = max_length - chunk.size() - 1;
      if (splittable) {  // fill the chunk with the word's first tokens
        chunk.insert(chunk.end(), word.begin(), word.begin() + static_cast<std::ptrdiff_t>(room));
        chunk.push_back(end);
        word.erase(word.begin(), word.begin() + static_cast<std::ptrdiff_t>(room));
      } else {  // close the chunk; the whole word goes to the next one
        chunk.push_back(end);
        chunk.insert(chunk.end(), room, pad);
      }
      chunks.push_back(TokenChunk{start});
    }
  }
  TokenChunk& last = chunks.back();
  last.push_back(end);
  last.insert(last.end(), max_length - last.size(), pad);
  return chunks;
}

std::vector<std::int32_t> empty_chunk_ids(const ClipTokenizer& tokenizer, int length,
                                          bool pad_with_end) {
  std::vector<std::int32_t> ids{tokenizer.start_token(), tokenizer.end_token()};
  ids.resize(static_cast<std::size_t>(std::max(length, 2)),
             pad_with_end ? tokenizer.end_token() : 0);
  return ids;
}

}  // namespace pixforge::text
