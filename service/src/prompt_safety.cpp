#include "prompt_safety.h"

namespace pixforge::service {
namespace {

// A negative prompt lists what the picture must not show, so "nude" there is the usual safe
// use and is not screened. What does matter is a negative prompt that removes clothing or
// censoring from an innocent prompt ("a woman on the beach" / negative "clothes"): those
// words are deleted from it. The engine's matcher gives the same obfuscation handling as for
// prompts (spacing, leetspeak, look-alikes).
constexpr const char* kNegativePromptRules = R"json({
  "version": 1,
  "categories": [{
    "name": "clothing_removal",
    "action": "rewrite",
    "terms": ["cloth* => ", "dress* => ", "shirt* => ", "tshirt* => ", "blouse* => ",
              "sweater* => ", "jacket* => ", "coat* => ", "skirt* => ", "pants => ",
              "trousers => ", "jeans => ", "shorts => ", "garment* => ", "outfit* => ",
              "attire => ", "apparel => ", "costume* => ", "uniform* => ", "underwear => ",
              "lingerie => ", "bra => ", "bras => ", "panties => ", "bikini* => ",
              "swimsuit* => ", "swimwear => ", "covered => ", "modest* => ", "censor* => ",
              "mosaic* => ", "bar censor* => ", "fully clothed => "]
  }]
})json";

safety::Rules prompt_rules(const SafetySettings& s) {
  return s.rules_file.empty() ? safety::default_rules() : safety::load_rules(s.rules_file);
}

int severity(const std::string& action) {
  if (action == "block") return 3;
  if (action == "rewrite") return 2;
  if (action == "flag") return 1;
  return 0;
}

}  // namespace

PromptSafety::PromptSafety(const SafetySettings& settings)
    : prompt_(prompt_rules(settings)),
      negative_(safety::parse_rules(kNegativePromptRules, "negative-prompt rules")),
      screen_negative_(settings.screen_negative_prompt) {}

ScreenResult PromptSafety::screen(GenerationParams& p) const {
  ScreenResult r = screen_pair(p.prompt, p.negative_prompt);
  if (!r.blocked) screen_hires(p, r);
  return r;
}

// The hires pass's prompts, when it has its own: screened as a pair (an unset one stands for
// the first pass's, already screened), merged into `r` under their own field names.
void PromptSafety::screen_hires(GenerationParams& p, ScreenResult& r) const {
  if (!p.hires || (!p.hires->prompt && !p.hires->negative_prompt)) return;
  std::string prompt = p.hires->prompt.value_or(p.prompt);
  std::string negative = p.hires->negative_prompt.value_or(p.negative_prompt);
  ScreenResult hr = screen_pair(prompt, negative);
  for (auto& v : hr.verdicts) {
    v.field = "hr_" + v.field;
    r.verdicts.push_back(v);
  }
  if (severity(hr.action) > severity(r.action)) {
    r.action = hr.action;
    r.category = hr.category;
  }
  if (hr.blocked) {
    r.blocked = true;
    r.blocked_category = hr.blocked_category;
    return;
  }
  r.rewritten = r.rewritten || hr.rewritten;
  if (p.hires->prompt) p.hires->prompt = prompt;
  if (p.hires->negative_prompt || negative != p.negative_prompt)
    p.hires->negative_prompt = negative;
}

ScreenResult PromptSafety::screen_pair(std::string& prompt, std::string& negative_prompt) const {
  ScreenResult r;
  const safety::Decision d = prompt_.screen(prompt);
  std::string negative = negative_prompt;
  if (d.action != safety::Action::Allow)
    r.verdicts.push_back({"prompt", d.category, std::string(safety::action_name(d.action))});
  if (d.action == safety::Action::Block) {
    r.blocked = true;
    r.blocked_category = d.category;
  }
  if (screen_negative_ && !negative.empty()) {
    const safety::Decision n = negative_.screen(negative);
    if (n.action != safety::Action::Allow)
      r.verdicts.push_back(
          {"negative_prompt", n.category, std::string(safety::action_name(n.action))});
    if (n.action == safety::Action::Rewrite) negative = n.rewritten_prompt;
    if (n.action == safety::Action::Block && !r.blocked) {
      r.blocked = true;
      r.blocked_category = n.category;
    }
  }
  for (const auto& v : r.verdicts)
    if (severity(v.action) > severity(r.action)) {
      r.action = v.action;
      r.category = v.category;
    }
  if (r.blocked) return r;
  if (d.action == safety::Action::Rewrite) {
    prompt = d.rewritten_prompt;
    negative = safety::reinforce_negative_prompt(negative, d);
  }
  r.rewritten = negative_prompt != negative || d.action == safety::Action::Rewrite;
  negative_prompt = std::move(negative);
  return r;
}

ApiError prompt_blocked_error(const ScreenResult& r) {
  std::string field = "prompt";
  for (const auto& v : r.verdicts)
    if (v.action == "block") {
      field = v.field;
      break;
    }
  return ApiError(400, "prompt_blocked",
                  "the " + field + " was blocked by the prompt-safety policy (category '" +
                      r.blocked_category + "'); nothing of this request was stored",
                  field)
      .with("category", r.blocked_category);
}

}  // namespace pixforge::service
