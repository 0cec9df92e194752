// Prompt-safety rules (P8): categories of terms with an action each, benign contexts that
// cancel a match ("chicken breast"), and the words that mark a minor. The defaults live in
// share/safety/rules.json and are compiled in; an operator file extends them (more terms,
// more benign contexts, other actions) without rebuilding.
//
// Rules file (JSON):
//   {"version": 1,
//    "allow": ["chicken breast*", ...],            benign contexts for every category
//    "minor_terms": ["child*", "little girl", ...], words that mark a minor
//    "minor_sensitive": ["underwear", ...],         harmless alone, blocked next to a minor
//    "categories": [{"name": "nudity", "action": "rewrite", "sexual": true,
//                    "suffix": "fully clothed", "negative": ["nudity", ...],
//                    "allow": [...], "terms": ["nude => fully clothed", "porn*", ...]}]}
// A pattern is words separated by spaces; "word*" matches any word starting with "word";
// "..." skips up to three words. A term "pattern => text" is rewritten to text (empty text
// deletes it); a term without "=>" has no safe rewrite, so a rewrite category blocks on it.
// The category "minors" always blocks: a file that gives it another action is rejected.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pixforge::safety {

// Ordered by severity: a prompt gets the most severe action of the categories it matches.
enum class Action { Allow, Flag, Rewrite, Block };
std::string_view action_name(Action a);
Action parse_action(std::string_view name);  // throws std::invalid_argument naming the value

struct Pattern {
  std::vector<std::string> words;  // folded (fold_term); "*" suffix = prefix; "..." = gap
  std::string source;              // as written in the rules file
};
Pattern parse_pattern(std::string_view text);  // throws std::invalid_argument when empty

struct Term {
  Pattern pattern;
  std::optional<std::string> rewrite;  // absent: no safe rewrite
};

struct Category {
  std::string name;
  Action action = Action::Block;
  bool action_given = false;  // the file named an action (extend_rules keeps the base one if not)
  bool sexual = false;  // next to a minor, any match of this category blocks (as "minors")
  std::vector<Term> terms;
  std::vector<Pattern> allow;         // benign contexts for this category only
  std::vector<std::string> negative;  // negative-prompt words added to rewritten prompts
  std::string suffix;                 // appended to rewritten prompts
};

struct Rules {
  int version = 1;
  std::vector<Pattern> allow;
  std::vector<Pattern> minor_terms;
  std::vector<Pattern> minor_sensitive;
  std::vector<Category> categories;

  const Category* find(std::string_view name) const;
};

inline constexpr std::string_view kMinorsCategory = "minors";

// The compiled-in defaults (share/safety/rules.json at build time).
Rules default_rules();
// Parses a rules document; errors name `source` and the offending field, never prompt text.
Rules parse_rules(std::string_view json_text, std::string_view source);
// Adds `extra` on top of `base`: terms, contexts and words are appended; a category present in
// both takes `extra`'s action and suffix when given; new categories are added.
void extend_rules(Rules& base, const Rules& extra);
// default_rules() extended with the file at `path`; throws naming the path when unreadable.
Rules load_rules(const std::string& path);

}  // namespace pixforge::safety
