// The A1111 "parameters" PNG text chunk: the infotext that stable-diffusion-webui writes into
// every image and its "PNG Info" tab reads back, in the same shape:
//
//   <prompt, possibly several lines>
//   Negative prompt: <negative, possibly several lines>
//   Steps: 20, Sampler: Euler a, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x512, ...
//
// A value containing ',', ':' or a newline is written as a JSON string (A1111's quote()), and
// read back unquoted. This file knows the text format only; which keys mean what for a
// generation is the pipeline's business (pipeline/infotext.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pixforge {

struct A1111Parameters {
  std::string prompt;
  std::string negative_prompt;
  // Key -> value, in written order (A1111's order is meaningful to people reading it).
  std::vector<std::pair<std::string, std::string>> fields;

  // First value for `key`, if present.
  std::optional<std::string> get(std::string_view key) const;
  void set(std::string key, std::string value);  // replaces an existing key in place
};

// Formats as A1111's create_infotext does (no negative-prompt line when it is empty).
std::string format_a1111_parameters(const A1111Parameters& params);

// Parses as A1111's parse_generation_parameters does: the last line is the key/value line when
// it holds at least 3 "key: value" pairs; "Negative prompt:" starts the negative prompt.
// Never throws: text that is not infotext becomes all prompt.
A1111Parameters parse_a1111_parameters(std::string_view text);

}  // namespace pixforge
