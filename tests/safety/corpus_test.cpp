// The table-driven corpus (P8): tests/safety/corpus.tsv holds benign prompts, benign
// look-alikes of unsafe words, unsafe prompts by category and obfuscated unsafe prompts, each
// with the expected action. The test prints the false-positive rate on the benign set and the
// miss rate on the unsafe set, and asserts: no false positive on the look-alikes, no miss on
// minors, and every expected decision met.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pixforge/safety/screener.h"

namespace pixforge::safety {
namespace {

struct Case {
  std::string group, action, category, prompt;
  int line = 0;
};

std::vector<Case> load_corpus() {
  const std::string path = std::string(PIXFORGE_SAFETY_TEST_DIR) + "/corpus.tsv";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::vector<Case> cases;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    Case c;
    c.line = n;
    std::istringstream fields(line);
    std::getline(fields, c.group, '\t');
    std::getline(fields, c.action, '\t');
    std::getline(fields, c.category, '\t');
    std::getline(fields, c.prompt);
    cases.push_back(std::move(c));
  }
  return cases;
}

bool is_benign(const Case& c) { return c.group == "benign" || c.group == "lookalike"; }
bool blocks_or_rewrites(Action a) { return a == Action::Rewrite || a == Action::Block; }

TEST(SafetyCorpus, P8_corpus_decisions_and_rates) {
  const std::vector<Case> cases = load_corpus();
  ASSERT_GE(cases.size(), 300u);
  const Screener screener;
  int benign = 0, false_pos = 0, lookalike_fp = 0, unsafe = 0, missed = 0, minors = 0,
      minors_missed = 0, wrong = 0;
  for (const Case& c : cases) {
    const Decision d = screener.screen(c.prompt);
    const bool fp = is_benign(c) && blocks_or_rewrites(d.action);
    const bool expected_unsafe = blocks_or_rewrites(parse_action(c.action));
    const bool miss = expected_unsafe && !blocks_or_rewrites(d.action);
    benign += is_benign(c);
    false_pos += fp;
    lookalike_fp += fp && c.group == "lookalike";
    unsafe += expected_unsafe;
    missed += miss;
    minors += c.category == "minors";
    minors_missed += c.category == "minors" && d.action != Action::Block;
    const bool category_ok =
        c.category.empty() ||
        std::find(d.categories.begin(), d.categories.end(), c.category) != d.categories.end();
    if (std::string(action_name(d.action)) != c.action || !category_ok) {
      ++wrong;
      ADD_FAILURE() << "corpus.tsv:" << c.line << " [" << c.group << "] expected " << c.action
                    << "/" << c.category << ", got " << action_name(d.action) << "/"
                    << d.category << "  prompt: " << c.prompt;
    }
  }
  std::printf("[ corpus   ] %zu prompts: benign %d, false positives %d (%.2f%%); unsafe %d, missed %d "
              "(%.2f%%); minors %d, missed %d; decisions differing from expected %d\n",
              cases.size(), benign, false_pos, 100.0 * false_pos / benign, unsafe, missed,
              100.0 * missed / unsafe, minors, minors_missed, wrong);
  EXPECT_EQ(lookalike_fp, 0);
  EXPECT_EQ(minors_missed, 0);
  EXPECT_EQ(wrong, 0);
}

TEST(SafetyCorpus, P8_every_rewrite_screens_clean_and_reinforces_negative) {
  const Screener screener;
  for (const Case& c : load_corpus()) {
    const Decision d = screener.screen(c.prompt);
    if (d.action != Action::Rewrite) continue;
    EXPECT_FALSE(d.rewritten_prompt.empty()) << "corpus.tsv:" << c.line;
    EXPECT_LE(screener.screen(d.rewritten_prompt).action, Action::Flag) << "corpus.tsv:" << c.line;
    EXPECT_FALSE(d.negative_prompt.empty()) << "corpus.tsv:" << c.line;
  }
}

}  // namespace
}  // namespace pixforge::safety
