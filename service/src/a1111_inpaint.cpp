#include "a1111_inpaint.h"

#include <stdexcept>

namespace pixforge::service {
namespace {

const char* content_name(MaskedContent c) {
  switch (c) {
    case MaskedContent::Fill:
      return "fill";
    case MaskedContent::LatentNoise:
      return "latent noise";
    case MaskedContent::LatentNothing:
      return "latent nothing";
    case MaskedContent::Original:
      break;
  }
  return "original";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> a1111_inpaint_keys(const InpaintOptions& o) {
  std::vector<std::pair<std::string, std::string>> keys;
  if (o.invert) keys.emplace_back("Mask mode", "Inpaint not masked");
  if (o.mask_blur > 0) keys.emplace_back("Mask blur", std::to_string(o.mask_blur));
  if (o.only_masked) {
    keys.emplace_back("Inpaint area", "Only masked");
    keys.emplace_back("Masked area padding", std::to_string(o.padding));
  }
  if (o.content != MaskedContent::Original)
    keys.emplace_back("Masked content", content_name(o.content));
  return keys;
}

nlohmann::json inpaint_json(const InpaintOptions& o) {
  return {{"content", content_name(o.content)},
          {"only_masked", o.only_masked},
          {"padding", o.padding},
          {"overlay", o.overlay},
          {"mask_blur", o.mask_blur},
          {"invert", o.invert},
          {"round_mask", o.round_mask}};
}

InpaintOptions inpaint_from_json(const nlohmann::json& j) {
  InpaintOptions o;
  const std::string content = j.at("content");
  bool known = false;
  for (auto c : {MaskedContent::Original, MaskedContent::Fill, MaskedContent::LatentNoise,
                 MaskedContent::LatentNothing})
    if (content == content_name(c)) {
      o.content = c;
      known = true;
    }
  if (!known) throw std::runtime_error("stored job: unknown masked content");
  o.only_masked = j.at("only_masked");
  o.padding = j.at("padding");
  o.overlay = j.at("overlay");
  o.mask_blur = j.value("mask_blur", 0);
  o.invert = j.value("invert", false);
  o.round_mask = j.value("round_mask", true);
  return o;
}

}  // namespace pixforge::service
