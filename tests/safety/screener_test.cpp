// Screener behaviour beyond the corpus: rewrites, minors, rules files, JSON output.
#include "pixforge/safety/screener.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

namespace pixforge::safety {
namespace {

TEST(SafetyScreener, P8_listed_lookalikes_pass) {
  const Screener s;
  for (const char* p : {"breast cancer awareness poster", "nude-coloured heels",
                        "chicken breast recipe", "a child's birthday party", "Sussex", "therapist",
                        "Scunthorpe"}) {
    const Decision d = s.screen(p);
    EXPECT_EQ(d.action, Action::Allow) << p << " -> " << d.category;
    EXPECT_TRUE(d.categories.empty()) << p;
  }
}

TEST(SafetyScreener, P8_nudity_rewritten_toward_fully_clothed) {
  const Decision d = Screener().screen("a nude woman on a beach at sunset");
  EXPECT_EQ(d.action, Action::Rewrite);
  EXPECT_EQ(d.category, "nudity");
  EXPECT_EQ(d.rewritten_prompt, "a fully clothed woman on a beach at sunset, fully clothed, modest clothing");
  EXPECT_NE(d.negative_prompt.find("nudity"), std::string::npos);
}

TEST(SafetyScreener, P8_obfuscated_words_replaced_in_place) {
  const Decision d = Screener().screen("a n.u.d.e woman, \xD1\x95\xD0\xB5xy pose");
  EXPECT_EQ(d.action, Action::Rewrite);
  EXPECT_EQ(d.rewritten_prompt.rfind("a fully clothed woman, elegant pose", 0), 0u)
      << d.rewritten_prompt;
}

TEST(SafetyScreener, P8_minors_always_blocked_even_when_rewritable) {
  const Screener s;
  for (const char* p : {"a nude child", "a sexy 15 year old", "a teen in lingerie",
                        "a n4k3d k1d", "a little girl undressing", "a fourteen year old, sexy"}) {
    const Decision d = s.screen(p);
    EXPECT_EQ(d.action, Action::Block) << p;
    EXPECT_EQ(d.category, "minors") << p;
    EXPECT_TRUE(d.rewritten_prompt.empty());
  }
  // Adults and ages 18+ are not minors: the adult case is only rewritten.
  EXPECT_EQ(s.screen("a sexy 25 year old woman").action, Action::Rewrite);
  EXPECT_EQ(s.screen("a sexy 18 yo woman").action, Action::Rewrite);
}

TEST(SafetyScreener, P8_no_safe_rewrite_blocks) {
  const Decision d = Screener().screen("explicit porn scene");
  EXPECT_EQ(d.action, Action::Block);
  EXPECT_EQ(d.category, "sexual");
}

TEST(SafetyScreener, P8_violence_is_flagged_not_blocked_by_default) {
  const Decision d = Screener().screen("a medieval battle, bloody swords");
  EXPECT_EQ(d.action, Action::Flag);
  EXPECT_EQ(d.category, "violence");
}

TEST(SafetyScreener, P8_operator_rules_extend_and_reconfigure) {
  const std::string path = ::testing::TempDir() + "/pixforge_rules_test.json";
  {
    std::ofstream f(path);
    f << R"({"version": 1, "allow": ["red wine"],
             "categories": [{"name": "violence", "action": "block", "terms": ["duel*"]},
                            {"name": "brands", "action": "rewrite", "terms": ["acme => generic"]},
                            {"name": "nudity", "terms": ["au natural => fully clothed"]}]})";
  }
  const Screener s(load_rules(path));
  EXPECT_EQ(s.screen("a bloody battle").action, Action::Block);  // action overridden
  EXPECT_EQ(s.screen("a duel at dawn").action, Action::Block);   // term added
  const Decision brand = s.screen("an acme anvil");
  EXPECT_EQ(brand.action, Action::Rewrite);
  EXPECT_EQ(brand.rewritten_prompt, "an generic anvil");
  // Extending a category without an action keeps the default action (rewrite).
  EXPECT_EQ(s.screen("a woman au natural").action, Action::Rewrite);
  EXPECT_EQ(s.screen("a nude woman").action, Action::Rewrite);  // defaults still there
  std::remove(path.c_str());
}

TEST(SafetyScreener, P8_rules_errors_are_clear) {
  EXPECT_THROW(load_rules("/nonexistent/rules.json"), std::runtime_error);
  auto error_of = [](std::string_view json) {
    try {
      parse_rules(json, "test.json");
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error_of("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(R"({"categories": [{"name": "minors", "action": "flag"}]})")
                .find("always blocked"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"categories": [{"name": "x", "action": "maybe"}]})").find("maybe"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"allow": [3]})").find("\"allow\"[0]"), std::string::npos);
  EXPECT_NE(error_of(R"({"version": 7})").find("version"), std::string::npos);
  EXPECT_NE(error_of(R"({"allow": ["..."]})").find("pattern"), std::string::npos);
}

TEST(SafetyScreener, P8_compiled_defaults_equal_the_shipped_file) {
  std::ifstream f(PIXFORGE_SAFETY_RULES_FILE);
  ASSERT_TRUE(f.good());
  std::stringstream text;
  text << f.rdbuf();
  const Rules file = parse_rules(text.str(), "rules.json");
  const Rules builtin = default_rules();
  ASSERT_EQ(file.categories.size(), builtin.categories.size());
  EXPECT_EQ(file.allow.size(), builtin.allow.size());
  for (std::size_t i = 0; i < file.categories.size(); ++i) {
    EXPECT_EQ(file.categories[i].terms.size(), builtin.categories[i].terms.size());
  }
  ASSERT_NE(builtin.find("minors"), nullptr);
  EXPECT_EQ(builtin.find("minors")->action, Action::Block);
}

TEST(SafetyScreener, P8_negative_prompt_reinforced_without_duplicates) {
  const Decision d = Screener().screen("a topless woman");
  ASSERT_EQ(d.action, Action::Rewrite);
  const std::string neg = reinforce_negative_prompt("blurry, nudity", d);
  EXPECT_EQ(neg.rfind("blurry, nudity", 0), 0u);
  EXPECT_EQ(neg.find("nudity"), neg.rfind("nudity"));  // not added twice
  EXPECT_NE(neg.find("nsfw"), std::string::npos);
}

TEST(SafetyScreener, P8_decision_json_has_no_prompt_unless_rewritten) {
  const std::string allow = decision_json(Screener().screen("a cat on a sofa"));
  EXPECT_EQ(allow.find("sofa"), std::string::npos);
  const auto j = nlohmann::json::parse(allow);
  EXPECT_EQ(j["action"], "allow");
  EXPECT_TRUE(j["category"].is_null());
  EXPECT_TRUE(j["rewritten_prompt"].is_null());
  const std::string blocked = decision_json(Screener().screen("a nude child on a sofa"));
  EXPECT_EQ(blocked.find("sofa"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(blocked)["category"], "minors");
}

TEST(SafetyScreener, P8_hostile_input_does_not_crash) {
  const Screener s;
  std::string big(200000, 'a');
  for (int i = 0; i < 200000; i += 2) big[i] = ' ';  // 100k single-letter words
  EXPECT_NO_THROW(s.screen(big));
  EXPECT_NO_THROW(s.screen(std::string(100000, '\xFF')));
  EXPECT_NO_THROW(s.screen(""));
  EXPECT_EQ(s.screen("").action, Action::Allow);
}

}  // namespace
}  // namespace pixforge::safety
