// The prompt screener (P8): decides, before generation, whether a prompt is allowed, allowed
// but flagged, rewritten toward a fully clothed and appropriate result, or blocked.
//
// Sexual content involving minors is always blocked; a rewrite is used only when every
// matched term has one and the rewritten prompt screens clean; otherwise the prompt is
// blocked. The decision names a category and an action and never carries prompt text except
// the rewritten prompt itself, which is what the caller generates from.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pixforge/safety/rules.h"

namespace pixforge::safety {

class LlmReviewer;

struct Decision {
  std::string category;  // the most severe category matched; empty when none
  Action action = Action::Allow;
  std::string rewritten_prompt;  // set when action == Rewrite
  std::string negative_prompt;   // words to add to the negative prompt when rewritten
  std::vector<std::string> categories;  // every category matched, in rules order
  std::string reason;    // fixed wording (never prompt content)
  std::string reviewer;  // "", "agreed", "escalated" or "unavailable"
};

class Screener {
 public:
  explicit Screener(Rules rules = default_rules());

  // Rules only; pure, thread-safe and fast (microseconds).
  Decision screen(std::string_view prompt) const;
  // Rules, then the reviewer's second opinion, which can only make the decision stricter.
  Decision screen(std::string_view prompt, const LlmReviewer& reviewer) const;

  const Rules& rules() const { return rules_; }

 private:
  Decision screen_once(std::string_view prompt) const;
  Rules rules_;
};

// The user's negative prompt with the decision's additions appended (no duplicates).
std::string reinforce_negative_prompt(std::string_view user_negative, const Decision& decision);

// Decision as JSON text: {"category", "action", "rewritten_prompt", "negative_prompt",
// "categories", "reason", "reviewer"}.
std::string decision_json(const Decision& decision);

}  // namespace pixforge::safety
