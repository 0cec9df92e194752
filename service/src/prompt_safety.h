// Prompt safety in the request path (P8): every generation request is screened after its
// parameters are validated and before a job row exists. Blocked: a 400 `prompt_blocked` naming
// the category, nothing of the request stored. Rewritten: the job runs the screener's rewrite
// with its negative-prompt reinforcement. Each decision that is not a plain "allow" is logged
// (category, action, time, owner) - never the prompt.
#pragma once

#include <string>
#include <vector>

#include "pixforge/safety/screener.h"
#include "pixforge/service/config.h"
#include "pixforge/service/errors.h"
#include "pixforge/service/generator.h"

namespace pixforge::service {

struct SafetyVerdict {
  std::string field;     // prompt | negative_prompt | hr_prompt | hr_negative_prompt
  std::string category;  // the deciding category
  std::string action;    // block | rewrite | flag
};

struct ScreenResult {
  std::vector<SafetyVerdict> verdicts;  // what is logged; empty when nothing matched
  bool blocked = false;
  std::string blocked_category;
  bool rewritten = false;  // the prompt or negative prompt was changed
  // The job row's summary: the most severe action and its category ("" when none).
  std::string action;
  std::string category;
};

class PromptSafety {
 public:
  // Loads the compiled-in rules extended by settings.rules_file; throws naming the file.
  explicit PromptSafety(const SafetySettings& settings);

  // Screens `p` and, for a rewrite, replaces its prompt and negative prompt in place. Pure:
  // logging and refusing are the caller's (jobs_submit.cpp).
  // A hires fix's own prompts (hr_prompt, hr_negative_prompt) are screened the same way,
  // their verdicts named hr_prompt / hr_negative_prompt.
  ScreenResult screen(GenerationParams& p) const;

 private:
  ScreenResult screen_pair(std::string& prompt, std::string& negative) const;
  void screen_hires(GenerationParams& p, ScreenResult& r) const;

  safety::Screener prompt_;
  safety::Screener negative_;  // negative prompts that ask to remove clothing
  bool screen_negative_;
};

// The refusal for a blocked request: 400, code prompt_blocked, field prompt (or
// negative_prompt), the category in the message; never the prompt.
ApiError prompt_blocked_error(const ScreenResult& r);

}  // namespace pixforge::service
