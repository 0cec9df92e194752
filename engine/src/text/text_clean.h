// CLIP's text cleanups and split pattern (steps 1 and 2 in pixforge/text/clip_tokenizer.h; the
// choice between cleanups in pixforge/text/text_cleanup.h).
#pragma once

#include <string>
#include <vector>

#include "pixforge/text/text_cleanup.h"

namespace pixforge::text {

// OpenAI simple_tokenizer: ftfy.fix_text, html-unescape twice, strip, whitespace runs (python-
// regex \s) to one space, strip, lowercase (basic_clean + whitespace_clean + lower).
std::u32string clip_clean(const std::u32string& text);

// transformers' CLIPTokenizer with ftfy: whitespace_clean(ftfy.fix_text(text)).lower().
std::u32string hf_ftfy_clean(const std::u32string& text);

// The cleanup of one part of the text (for the Hugging Face cleanups: one part between special
// tokens, see split_special_tokens).
std::u32string clean_text(const std::u32string& text, TextCleanup cleanup);

// What transformers' slow tokenizers do before _tokenize: split at exact (case-sensitive)
// occurrences of the special tokens "<|startoftext|>" and "<|endoftext|>", which are kept as
// parts of their own; empty parts are dropped.
std::vector<std::u32string> split_special_tokens(const std::u32string& text);

// The pieces python-regex's findall returns for CLIP's pattern on cleaned text.
std::vector<std::u32string> clip_split(const std::u32string& text);

}  // namespace pixforge::text
