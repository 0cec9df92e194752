// Hugging Face transformers' BasicTokenizer as CLIPTokenizer builds it when the ftfy package is
// missing (strip_accents=False, do_split_on_punc=False; the comfyui cleanup in
// pixforge/text/text_cleanup.h), restated from its definition (models/bert/tokenization_bert.py,
// copied into models/clip/tokenization_clip.py) and tools/reference/text_tokenizer.py.
#pragma once

#include <string>

namespace pixforge::text {

// " ".join(BasicTokenizer(strip_accents=False, do_split_on_punc=False).tokenize(text)):
//   1. _clean_text: drop U+0000, U+FFFD and _is_control code points (category C* except tab,
//      newline, return); _is_whitespace ones (space, tab, newline, return, Zs) become ' ';
//   2. _tokenize_chinese_chars: ' ' before and after each CJK ideograph (_is_chinese_char's
//      ranges);
//   3. NFC;
//   4. split on whitespace (str.split()), lowercase each word (str.lower()), join with ' '.
std::u32string hf_basic_clean(const std::u32string& text);

// _is_chinese_char: the CJK Unified Ideographs blocks and extensions A-E, and the two CJK
// Compatibility Ideographs blocks, as transformers lists them (not kana, not Hangul).
bool is_cjk_ideograph(char32_t c);

}  // namespace pixforge::text
