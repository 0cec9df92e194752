// The rules decision (screener.h). Steps: normalise; find benign contexts; find each
// category's terms outside them; minors first (always block); then the most severe action;
// rewrites are applied to the original text and must screen clean.
#include "pixforge/safety/screener.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "matcher.h"
#include "pixforge/safety/normalize.h"
#include "pixforge/safety/reviewer.h"

namespace pixforge::safety {
namespace {

using detail::Span;

struct Hit {
  const Category* category = nullptr;
  const Term* term = nullptr;
  Span span;
};

bool covered(const Span& s, const std::vector<Span>& contexts) {
  return std::any_of(contexts.begin(), contexts.end(),
                     [&](const Span& c) { return s.inside(c); });
}

std::vector<Hit> find_hits(const Rules& rules, const NormalizedPrompt& np,
                           const std::vector<Span>& global_allow) {
  std::vector<Hit> hits;
  for (const auto& cat : rules.categories) {
    std::vector<Span> allow = global_allow;
    detail::find_any(cat.allow, np, allow);
    for (const auto& term : cat.terms) {
      for (const Span& s : detail::find_all(term.pattern, np)) {
        if (!covered(s, allow)) hits.push_back({&cat, &term, s});
      }
    }
  }
  return hits;
}

bool has_minor(const Rules& rules, const NormalizedPrompt& np, const std::vector<Span>& allow) {
  std::vector<Span> spans;
  detail::find_any(rules.minor_terms, np, spans);
  return std::any_of(spans.begin(), spans.end(), [&](const Span& s) { return !covered(s, allow); }) ||
         detail::mentions_minor_age(np);
}

bool has_minor_sensitive(const Rules& rules, const NormalizedPrompt& np,
                         const std::vector<Span>& allow) {
  std::vector<Span> spans;
  detail::find_any(rules.minor_sensitive, np, spans);
  return std::any_of(spans.begin(), spans.end(), [&](const Span& s) { return !covered(s, allow); });
}

// Applies every rewrite to the original text (spans outermost-first, overlaps dropped).
std::string apply_rewrites(std::string_view prompt, const NormalizedPrompt& np,
                           std::vector<const Hit*> hits) {
  std::sort(hits.begin(), hits.end(), [](const Hit* a, const Hit* b) {
    return a->span.first != b->span.first ? a->span.first < b->span.first
                                          : a->span.last > b->span.last;
  });
  std::string out;
  std::size_t pos = 0;
  for (const Hit* h : hits) {
    const std::size_t begin = np.tokens[h->span.first].begin;
    const std::size_t end = np.tokens[h->span.last].end;
    if (begin < pos) continue;  // inside a span already replaced
    out.append(prompt.substr(pos, begin - pos));
    out.append(*h->term->rewrite);
    pos = end;
  }
  out.append(prompt.substr(pos));
  // Deleted words leave doubled spaces behind.
  std::string tidy;
  for (char c : out) {
    if (c == ' ' && (tidy.empty() || tidy.back() == ' ')) continue;
    tidy.push_back(c);
  }
  while (!tidy.empty() && tidy.back() == ' ') tidy.pop_back();
  return tidy;
}

void add_unique(std::vector<std::string>& list, const std::string& s) {
  if (!s.empty() && std::find(list.begin(), list.end(), s) == list.end()) list.push_back(s);
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out.append(sep);
    out.append(p);
  }
  return out;
}

Decision blocked(std::string category, std::string reason, Decision d = {}) {
  d.category = std::move(category);
  d.action = Action::Block;
  d.reason = std::move(reason);
  d.rewritten_prompt.clear();
  d.negative_prompt.clear();
  return d;
}

}  // namespace

Screener::Screener(Rules rules) : rules_(std::move(rules)) {}

Decision Screener::screen_once(std::string_view prompt) const {
  const NormalizedPrompt np = normalize_prompt(prompt);
  std::vector<Span> allow;
  detail::find_any(rules_.allow, np, allow);
  const std::vector<Hit> hits = find_hits(rules_, np, allow);

  Decision d;
  for (const auto& cat : rules_.categories) {
    const bool matched = std::any_of(hits.begin(), hits.end(),
                                     [&](const Hit& h) { return h.category == &cat; });
    if (matched) d.categories.push_back(cat.name);
  }
  const bool minor = has_minor(rules_, np, allow);
  const bool sexual = std::any_of(hits.begin(), hits.end(),
                                  [](const Hit& h) { return h.category->sexual; });
  const bool always = std::any_of(hits.begin(), hits.end(), [](const Hit& h) {
    return h.category->name == kMinorsCategory;
  });
  if (always || (minor && (sexual || has_minor_sensitive(rules_, np, allow)))) {
    add_unique(d.categories, std::string(kMinorsCategory));
    return blocked(std::string(kMinorsCategory), "sexual content involving a minor", d);
  }

  // The most severe category decides; a rewrite category blocks when a term has no rewrite.
  std::vector<const Hit*> rewrites;
  std::vector<std::string> suffixes, negative;
  for (const auto& cat : rules_.categories) {
    Action action = Action::Allow;
    for (const Hit& h : hits) {
      if (h.category != &cat || cat.action == Action::Allow) continue;
      Action a = cat.action;
      if (a == Action::Rewrite && !h.term->rewrite) a = Action::Block;
      action = std::max(action, a);
      if (a == Action::Rewrite) rewrites.push_back(&h);
    }
    if (action == Action::Rewrite) {
      // Suffixes share phrases ("fully clothed"): keep each comma-separated phrase once.
      for (std::size_t b = 0; b < cat.suffix.size();) {
        std::size_t e = cat.suffix.find(',', b);
        if (e == std::string::npos) e = cat.suffix.size();
        std::string phrase = cat.suffix.substr(b, e - b);
        phrase.erase(0, phrase.find_first_not_of(' '));
        add_unique(suffixes, phrase);
        b = e + 1;
      }
      for (const auto& n : cat.negative) add_unique(negative, n);
    }
    if (action > d.action) {
      d.action = action;
      d.category = cat.name;
    }
  }
  if (d.action == Action::Block) return blocked(d.category, "no safe rewrite for this category", d);
  if (d.action != Action::Rewrite) {
    d.reason = d.action == Action::Flag ? "allowed and recorded" : "";
    return d;
  }
  d.rewritten_prompt = apply_rewrites(prompt, np, rewrites);
  for (const auto& s : suffixes) d.rewritten_prompt += ", " + s;
  d.negative_prompt = join(negative, ", ");
  d.reason = "rewritten toward a fully clothed, appropriate result";
  return d;
}

Decision Screener::screen(std::string_view prompt) const {
  Decision d = screen_once(prompt);
  if (d.action != Action::Rewrite) return d;
  // A rewrite is only used when it screens clean itself.
  const Decision again = screen_once(d.rewritten_prompt);
  if (again.action >= Action::Rewrite) return blocked(d.category, "no safe rewrite found", d);
  return d;
}

Decision Screener::screen(std::string_view prompt, const LlmReviewer& reviewer) const {
  Decision d = screen(prompt);
  if (d.action == Action::Block) return d;  // nothing stricter to learn
  const ReviewVerdict v = reviewer.review(prompt);
  if (!v.ok) {
    d.reviewer = "unavailable";
    if (reviewer.config().fail_closed) return blocked("review", "reviewer unavailable", d);
    return d;
  }
  if (v.action <= d.action || v.action == Action::Flag) {
    d.reviewer = "agreed";
    if (v.action == Action::Flag && d.action == Action::Allow) {
      d.action = Action::Flag;
      d.category = v.category;
      d.reason = "allowed and recorded";
    }
    return d;
  }
  d.reviewer = "escalated";
  const std::string category = v.category.empty() ? "review" : v.category;
  if (v.action == Action::Rewrite && !v.rewrite.empty()) {
    // The reviewer's rewrite is trusted only if the rules find nothing in it either.
    const Decision check = screen(v.rewrite);
    if (check.action <= Action::Flag) {
      d.action = Action::Rewrite;
      d.category = category;
      d.rewritten_prompt = v.rewrite;
      d.reason = "rewritten on the reviewer's advice";
      return d;
    }
  }
  return blocked(category, "blocked on the reviewer's advice", d);
}

std::string reinforce_negative_prompt(std::string_view user_negative, const Decision& decision) {
  std::string out(user_negative);
  std::size_t start = 0;
  const std::string& add = decision.negative_prompt;
  while (start < add.size()) {
    std::size_t end = add.find(',', start);
    if (end == std::string::npos) end = add.size();
    std::string word = add.substr(start, end - start);
    word.erase(0, word.find_first_not_of(' '));
    if (!word.empty() && out.find(word) == std::string::npos) {
      if (!out.empty()) out += ", ";
      out += word;
    }
    start = end + 1;
  }
  return out;
}

std::string decision_json(const Decision& d) {
  nlohmann::json j;
  j["category"] = d.category.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.category);
  j["action"] = std::string(action_name(d.action));
  j["rewritten_prompt"] =
      d.action == Action::Rewrite ? nlohmann::json(d.rewritten_prompt) : nlohmann::json(nullptr);
  j["negative_prompt"] = d.negative_prompt;
  j["categories"] = d.categories;
  j["reason"] = d.reason;
  if (!d.reviewer.empty()) j["reviewer"] = d.reviewer;
  // Replace invalid UTF-8 rather than throw: a rewritten prompt keeps the user's bytes.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace pixforge::safety
