#include "pixforge/text/prompt_weights.h"

#include "python_float.h"

namespace pixforge::text {
namespace {

// "\)" and "\(" become control pairs no prompt syntax matches, and back after parsing.
constexpr std::string_view kEscClose = std::string_view("\0\1", 2);
constexpr std::string_view kEscOpen = std::string_view("\0\2", 2);

std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s.size());
  std::size_t begin = 0;
  for (std::size_t at = s.find(from); at != std::string_view::npos; at = s.find(from, begin)) {
    out.append(s.substr(begin, at - begin)).append(to);
    begin = at + from.size();
  }
  out.append(s.substr(begin));
  return out;
}

// Top level of the prompt: plain runs and balanced "(...)" groups, ComfyUI's parse_parentheses.
// A ')' at depth 0 takes the depth negative, so it and everything up to a matching '(' stays
// in the current run.
std::vector<std::string> split_parentheses(std::string_view text) {
  std::vector<std::string> pieces;
  std::string current;
  int depth = 0;
  for (char c : text) {
    if (c == '(') {
      if (depth == 0) {
        if (!current.empty()) pieces.push_back(std::move(current));
        current.clear();  // (assigning a literal trips a GCC 12 -Wrestrict false positive)
        current.push_back(c);
      } else {
        current.push_back(c);
      }
      ++depth;
    } else if (c == ')') {
      --depth;
      if (depth == 0) {
        pieces.push_back(current + ")");
        current.clear();
      } else {
        current.push_back(c);
      }
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) pieces.push_back(std::move(current));
  return pieces;
}

void segment_weights(std::string_view text, double weight, std::vector<WeightedText>& out) {
  for (const std::string& piece : split_parentheses(text)) {
    if (piece.size() >= 2 && piece.front() == '(' && piece.back() == ')') {
      std::string_view inner = std::string_view(piece).substr(1, piece.size() - 2);
      double w = weight * 1.1;
      const std::size_t colon = inner.rfind(':');
      if (colon != std::string_view::npos && colon > 0) {
        if (const auto value = parse_python_float(inner.substr(colon + 1))) {
          w = *value;
          inner = inner.substr(0, colon);
        }
      }
      segment_weights(inner, w, out);
    } else {
      out.push_back({piece, weight});
    }
  }
}

}  // namespace

std::vector<WeightedText> parse_prompt_weights(std::string_view prompt) {
  const std::string escaped = replace_all(replace_all(prompt, "\\)", kEscClose), "\\(", kEscOpen);
  std::vector<WeightedText> segments;
  segment_weights(escaped, 1.0, segments);
  for (auto& s : segments) s.text = replace_all(replace_all(s.text, kEscClose, ")"), kEscOpen, "(");
  return segments;
}

}  // namespace pixforge::text
