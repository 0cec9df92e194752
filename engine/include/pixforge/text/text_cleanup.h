// How the CLIP tokenizer cleans prompt text before splitting it, one choice per upstream program
// (all three agree on plain ASCII text without '&' references or special tokens):
//   ComfyUI  (default) Hugging Face transformers' slow CLIPTokenizer without the ftfy package,
//            what a bare ComfyUI install runs for every SD family (ftfy is not among its
//            requirements): the text is first split at the exact special tokens
//            "<|startoftext|>" and "<|endoftext|>", then each part goes through BasicTokenizer
//            (strip_accents=False, do_split_on_punc=False): NUL, U+FFFD and control/format/
//            unassigned code points (category C*) dropped, whitespace (Zs, tab, newline,
//            return) turned into spaces, spaces put around CJK ideographs (so each is its own
//            piece), NFC, split on whitespace, each word lowercased, words joined by one space.
//            No HTML unescaping, no ftfy.
//   HfFtfy   the same CLIPTokenizer with ftfy installed (AUTOMATIC1111's SD 1.x path: open_clip
//            pulls ftfy in): special-token split, then per part ftfy.fix_text, whitespace runs
//            collapsed to one space, strip, lowercase. No html.unescape beyond what fix_text
//            does itself.
//   OpenAI   OpenAI CLIP's simple_tokenizer (and open_clip's, A1111's SD 2.x path): ftfy.fix_text,
//            html.unescape twice, strip, whitespace collapse, lowercase, on the whole text.
//            (open_clip spells its special tokens "<start_of_text>"/"<end_of_text>", so there a
//            literal "<|endoftext|>" in a prompt is ordinary text; here it is the end token.)
// The choice changes token ids only; it is not part of the A1111 `parameters` infotext.
#pragma once

#include <string_view>
#include <vector>

namespace pixforge::text {

enum class TextCleanup { ComfyUI, HfFtfy, OpenAI };

// "comfyui", "hf-ftfy", "openai".
std::string_view text_cleanup_name(TextCleanup cleanup);
// The names above, in that order.
const std::vector<std::string_view>& text_cleanup_names();
// Throws std::invalid_argument naming the value and the accepted names.
TextCleanup parse_text_cleanup(std::string_view name);

}  // namespace pixforge::text
