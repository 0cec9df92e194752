// Rules file parsing and merging (format in rules.h).
#include "pixforge/safety/rules.h"

#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "pixforge/safety/normalize.h"

namespace pixforge::safety {
namespace detail {
extern const std::string_view kDefaultRulesJson;
}

namespace {

using nlohmann::json;

[[noreturn]] void fail(std::string_view source, const std::string& what) {
  throw std::runtime_error("safety rules " + std::string(source) + ": " + what);
}

std::vector<std::string> strings_at(const json& obj, const char* key, std::string_view source,
                                    const std::string& where) {
  std::vector<std::string> out;
  if (!obj.contains(key)) return out;
  const json& arr = obj.at(key);
  if (!arr.is_array()) fail(source, where + "\"" + key + "\" must be an array of strings");
  for (std::size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_string()) {
      fail(source, where + "\"" + key + "\"[" + std::to_string(i) + "] is not a string");
    }
    out.push_back(arr[i].get<std::string>());
  }
  return out;
}

std::vector<Pattern> patterns_at(const json& obj, const char* key, std::string_view source,
                                 const std::string& where) {
  std::vector<Pattern> out;
  for (const auto& s : strings_at(obj, key, source, where)) {
    try {
      out.push_back(parse_pattern(s));
    } catch (const std::invalid_argument& e) {
      fail(source, where + "\"" + key + "\": " + e.what());
    }
  }
  return out;
}

Term parse_term(const std::string& text) {
  Term t;
  const auto arrow = text.find("=>");
  if (arrow == std::string::npos) {
    t.pattern = parse_pattern(text);
    return t;
  }
  t.pattern = parse_pattern(text.substr(0, arrow));
  std::string rewrite = text.substr(arrow + 2);
  const auto b = rewrite.find_first_not_of(' ');
  const auto e = rewrite.find_last_not_of(' ');
  t.rewrite = b == std::string::npos ? "" : rewrite.substr(b, e - b + 1);
  return t;
}

Category parse_category(const json& c, std::size_t index, std::string_view source) {
  const std::string where = "categories[" + std::to_string(index) + "].";
  if (!c.is_object()) fail(source, where + " is not an object");
  if (!c.contains("name") || !c.at("name").is_string()) fail(source, where + "name is missing");
  Category cat;
  cat.name = c.at("name").get<std::string>();
  const std::string here = "category \"" + cat.name + "\": ";
  if (c.contains("action")) {
    if (!c.at("action").is_string()) fail(source, here + "action must be a string");
    try {
      cat.action = parse_action(c.at("action").get<std::string>());
      cat.action_given = true;
    } catch (const std::invalid_argument& e) {
      fail(source, here + e.what());
    }
  }
  if (cat.name == kMinorsCategory && cat.action != Action::Block) {
    fail(source, here + "sexual content involving minors is always blocked; action must be block");
  }
  if (c.contains("sexual")) {
    if (!c.at("sexual").is_boolean()) fail(source, here + "sexual must be true or false");
    cat.sexual = c.at("sexual").get<bool>();
  }
  if (c.contains("suffix")) {
    if (!c.at("suffix").is_string()) fail(source, here + "suffix must be a string");
    cat.suffix = c.at("suffix").get<std::string>();
  }
  for (const auto& s : strings_at(c, "terms", source, here)) {
    try {
      cat.terms.push_back(parse_term(s));
    } catch (const std::invalid_argument& e) {
      fail(source, here + "terms: " + e.what());
    }
  }
  cat.allow = patterns_at(c, "allow", source, here);
  cat.negative = strings_at(c, "negative", source, here);
  return cat;
}

}  // namespace

std::string_view action_name(Action a) {
  switch (a) {
    case Action::Allow: return "allow";
    case Action::Flag: return "flag";
    case Action::Rewrite: return "rewrite";
    case Action::Block: return "block";
  }
  return "block";
}

Action parse_action(std::string_view name) {
  for (Action a : {Action::Allow, Action::Flag, Action::Rewrite, Action::Block}) {
    if (action_name(a) == name) return a;
  }
  throw std::invalid_argument("unknown action \"" + std::string(name) +
                              "\" (expected allow, flag, rewrite or block)");
}

Pattern parse_pattern(std::string_view text) {
  Pattern p;
  p.source = std::string(text);
  std::istringstream in{std::string(text)};
  std::string word;
  while (in >> word) {
    if (word == "...") {
      p.words.push_back(word);
      continue;
    }
    const bool prefix = word.size() > 1 && word.back() == '*';
    if (prefix) word.pop_back();
    // Punctuation splits words exactly as it splits prompt tokens ("see-through", "pin-up").
    std::vector<std::string> parts(1);
    for (char ch : word) {
      const auto u = static_cast<unsigned char>(ch);
      if (u < 0x80 && !std::isalnum(u)) {
        if (!parts.back().empty()) parts.emplace_back();
      } else {
        parts.back().push_back(ch);
      }
    }
    if (parts.back().empty()) parts.pop_back();
    if (parts.empty()) throw std::invalid_argument("pattern word \"" + word + "\" has no letters");
    for (std::size_t i = 0; i < parts.size(); ++i) {
      std::string folded = fold_term(parts[i]);
      p.words.push_back(prefix && i + 1 == parts.size() ? folded + "*" : folded);
    }
  }
  if (p.words.empty() || p.words.front() == "..." || p.words.back() == "...") {
    throw std::invalid_argument("pattern \"" + p.source + "\" is empty or starts/ends with ...");
  }
  return p;
}

const Category* Rules::find(std::string_view name) const {
  for (const auto& c : categories) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Rules parse_rules(std::string_view json_text, std::string_view source) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    fail(source, std::string("not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) fail(source, "top level must be an object");
  Rules r;
  if (doc.contains("version")) {
    if (!doc.at("version").is_number_integer() || doc.at("version").get<int>() != 1) {
      fail(source, "unsupported version (this build reads version 1)");
    }
  }
  r.allow = patterns_at(doc, "allow", source, "");
  r.minor_terms = patterns_at(doc, "minor_terms", source, "");
  r.minor_sensitive = patterns_at(doc, "minor_sensitive", source, "");
  if (doc.contains("categories")) {
    const json& cats = doc.at("categories");
    if (!cats.is_array()) fail(source, "\"categories\" must be an array");
    for (std::size_t i = 0; i < cats.size(); ++i) {
      r.categories.push_back(parse_category(cats[i], i, source));
    }
  }
  return r;
}

void extend_rules(Rules& base, const Rules& extra) {
  auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
  append(base.allow, extra.allow);
  append(base.minor_terms, extra.minor_terms);
  append(base.minor_sensitive, extra.minor_sensitive);
  for (const auto& c : extra.categories) {
    Category* existing = nullptr;
    for (auto& b : base.categories) {
      if (b.name == c.name) existing = &b;
    }
    if (existing == nullptr) {
      base.categories.push_back(c);
      continue;
    }
    if (c.action_given) existing->action = c.action;
    existing->sexual = existing->sexual || c.sexual;
    if (!c.suffix.empty()) existing->suffix = c.suffix;
    append(existing->terms, c.terms);
    append(existing->allow, c.allow);
    append(existing->negative, c.negative);
  }
}

Rules default_rules() {
  static const Rules rules = parse_rules(detail::kDefaultRulesJson, "(compiled-in defaults)");
  return rules;
}

Rules load_rules(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("safety rules: cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  Rules r = default_rules();
  extend_rules(r, parse_rules(text.str(), path));
  return r;
}

}  // namespace pixforge::safety
