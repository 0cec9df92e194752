#include "pixforge/text/text_cleanup.h"

#include <stdexcept>
#include <string>

namespace pixforge::text {

std::string_view text_cleanup_name(TextCleanup cleanup) {
  switch (cleanup) {
    case TextCleanup::ComfyUI:
      return "comfyui";
    case TextCleanup::HfFtfy:
      return "hf-ftfy";
    case TextCleanup::OpenAI:
      return "openai";
  }
  throw std::invalid_argument("unknown text cleanup value");
}

const std::vector<std::string_view>& text_cleanup_names() {
  static const std::vector<std::string_view> names = {"comfyui", "hf-ftfy", "openai"};
  return names;
}

TextCleanup parse_text_cleanup(std::string_view name) {
  for (TextCleanup c : {TextCleanup::ComfyUI, TextCleanup::HfFtfy, TextCleanup::OpenAI}) {
    if (name == text_cleanup_name(c)) return c;
  }
  // The value is a flag or field, never prompt text, so it may be echoed (bounded).
  throw std::invalid_argument("unknown text cleanup '" + std::string(name.substr(0, 32)) +
                              "' (expected comfyui, hf-ftfy or openai)");
}

}  // namespace pixforge::text
