// P8 in the request path, against the real server: every generation API screens the prompt
// after validation and before a job row exists; blocked requests leave nothing but a decision
// row without the prompt; rewrites run the rewritten prompt with negative reinforcement.
#include <gtest/gtest.h>

#include <fstream>

#include "api_harness.h"
#include "moderation_harness.h"
#include "pixforge/service/config.h"

namespace pixforge::service {
namespace {

using testing::Client;
using testing::TestService;

// A marker word no rule knows, so the scan can look for the prompt's text on disk.
constexpr const char* kMarker = "zorblaxquintet";

std::string owner_of(Client& c) { return c.get("/api/v1/me").json().value("id", ""); }

TEST(Safety, P8_blocked_prompt_is_refused_in_every_api_and_nothing_of_it_is_stored) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  const std::string owner = owner_of(c);
  const std::string prompt = std::string("porn of the ") + kMarker;

  auto native = c.post("/api/v1/generate", {{"prompt", prompt}, {"width", 64}, {"height", 64}});
  EXPECT_EQ(native.status, 400) << native.body;
  EXPECT_EQ(native.json()["error"]["code"], "prompt_blocked");
  EXPECT_EQ(native.json()["error"]["category"], "sexual");
  EXPECT_EQ(native.json()["error"]["field"], "prompt");

  auto openai = c.post("/v1/images/generations", {{"prompt", prompt}, {"size", "64x64"}});
  EXPECT_EQ(openai.status, 400) << openai.body;
  EXPECT_EQ(openai.json()["error"]["code"], "prompt_blocked");
  EXPECT_EQ(openai.json()["error"]["type"], "invalid_request_error");
  EXPECT_EQ(openai.json()["error"]["category"], "sexual");

  auto a1111 = c.post("/sdapi/v1/txt2img", {{"prompt", prompt}, {"width", 64}, {"height", 64}});
  EXPECT_EQ(a1111.status, 400) << a1111.body;
  EXPECT_EQ(a1111.json()["error"], "prompt_blocked");
  EXPECT_EQ(a1111.json()["category"], "sexual");

  for (const auto* r : {&native, &openai, &a1111})
    EXPECT_EQ(r->body.find(kMarker), std::string::npos) << "the error never echoes the prompt";
  EXPECT_TRUE(ts.store().jobs(owner).empty()) << "no job row";
  EXPECT_TRUE(ts.store().all_blobs().empty()) << "no blob";
  EXPECT_EQ(ts.generator->runs, 0);
  const auto decisions = ts.store().safety_decisions();
  ASSERT_EQ(decisions.size(), 3u);
  const char* apis[] = {"native", "openai", "a1111"};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(decisions[i].api, apis[i]);
    EXPECT_EQ(decisions[i].owner_id, owner);
    EXPECT_EQ(decisions[i].category, "sexual");
    EXPECT_EQ(decisions[i].action, "block");
    EXPECT_EQ(decisions[i].field, "prompt");
    EXPECT_TRUE(decisions[i].job_id.empty());
    EXPECT_EQ(decisions[i].at_ms, ts.clock.now_ms());
  }
  // The whole data directory (database, WAL, files) holds no trace of the prompt's text.
  EXPECT_FALSE(testing::any_file_contains(ts.data_dir(), kMarker));
  EXPECT_FALSE(testing::any_file_contains(ts.data_dir(), "porn of the"));
  // Blocked requests are not charged to the quota: a normal request still runs.
  EXPECT_EQ(c.post("/api/v1/generate", testing::small_job("a lighthouse", 1)).status, 202);
}

TEST(Safety, P8_sexual_content_with_minors_is_always_blocked) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  for (const char* prompt : {"nude child on a beach", "n u d e k1d", "naked teen"}) {
    auto r = c.post("/api/v1/generate", {{"prompt", prompt}, {"width", 64}, {"height", 64}});
    EXPECT_EQ(r.status, 400) << prompt;
    EXPECT_EQ(r.json()["error"]["category"], "minors") << prompt;
  }
  EXPECT_EQ(ts.generator->runs, 0);
}

TEST(Safety, P8_rewrite_runs_the_rewritten_prompt_with_negative_reinforcement) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  auto r = c.post("/api/v1/generate", {{"prompt", std::string("a nude portrait of ") + kMarker},
                                       {"negative_prompt", "blurry"},
                                       {"width", 64},
                                       {"height", 64},
                                       {"steps", 2}});
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.header("X-Pixforge-Prompt-Safety"), "rewritten; category=nudity");
  auto job = testing::wait_for_job(c, r.json()["id"]);
  EXPECT_EQ(job["state"], "succeeded");
  EXPECT_EQ(job["moderation"]["prompt_rewritten"], true);
  EXPECT_EQ(job["moderation"]["safety_category"], "nudity");
  const GenerationParams& ran = ts.generator->last_params;
  EXPECT_EQ(ran.prompt.find("nude"), std::string::npos) << "the rewrite ran, not the original";
  EXPECT_NE(ran.prompt.find("fully clothed"), std::string::npos);
  EXPECT_NE(ran.prompt.find(kMarker), std::string::npos) << "the rest of the prompt is kept";
  EXPECT_NE(ran.negative_prompt.find("blurry"), std::string::npos);
  EXPECT_NE(ran.negative_prompt.find("nudity"), std::string::npos) << "reinforced negative";
  const auto decisions = ts.store().safety_decisions();
  ASSERT_EQ(decisions.size(), 1u);
  EXPECT_EQ(decisions[0].action, "rewrite");
  EXPECT_EQ(decisions[0].category, "nudity");
  EXPECT_EQ(decisions[0].job_id, r.json()["id"]);
  const auto row = ts.store().find_job(r.json()["id"]);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->safety_action, "rewrite");
  EXPECT_EQ(row->safety_category, "nudity");
  EXPECT_FALSE(testing::any_file_contains(ts.data_dir(), kMarker)) << "prompt sealed at rest";
  // The synchronous APIs say so in their responses too.
  auto a1111 = c.post("/sdapi/v1/txt2img",
                      {{"prompt", "a nude statue"}, {"width", 64}, {"height", 64}, {"steps", 1}});
  ASSERT_EQ(a1111.status, 200) << a1111.body;
  EXPECT_EQ(a1111.header("X-Pixforge-Prompt-Safety"), "rewritten; category=nudity");
  EXPECT_EQ(a1111.json()["moderation"]["prompt_rewritten"], true);
  auto openai = c.post("/v1/images/generations", {{"prompt", "a nude statue"}, {"size", "64x64"}});
  ASSERT_EQ(openai.status, 200) << openai.body;
  EXPECT_EQ(openai.json()["moderation"]["prompt_rewritten"], true);
  EXPECT_EQ(openai.json()["moderation"]["withheld_images"], 0);
}

TEST(Safety, P8_negative_prompt_that_removes_clothing_is_rewritten) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  auto r = c.post("/api/v1/generate", {{"prompt", "a woman on a beach"},
                                       {"negative_prompt", "lowres, cl0thes, sh1rt"},
                                       {"width", 64},
                                       {"height", 64},
                                       {"steps", 1}});
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.header("X-Pixforge-Prompt-Safety"), "rewritten; category=clothing_removal");
  testing::wait_for_job(c, r.json()["id"]);
  const GenerationParams& ran = ts.generator->last_params;
  EXPECT_EQ(ran.prompt, "a woman on a beach");
  EXPECT_NE(ran.negative_prompt.find("lowres"), std::string::npos);
  EXPECT_EQ(ran.negative_prompt.find("cl0thes"), std::string::npos);
  EXPECT_EQ(ran.negative_prompt.find("sh1rt"), std::string::npos);
  const auto decisions = ts.store().safety_decisions();
  ASSERT_EQ(decisions.size(), 1u);
  EXPECT_EQ(decisions[0].field, "negative_prompt");
  EXPECT_EQ(decisions[0].category, "clothing_removal");
  // The usual safety negative ("nsfw, nude") is left alone.
  auto usual = c.post("/api/v1/generate", {{"prompt", "a cat"},
                                           {"negative_prompt", "nsfw, nude, lowres"},
                                           {"width", 64},
                                           {"height", 64},
                                           {"steps", 1}});
  ASSERT_EQ(usual.status, 202);
  EXPECT_EQ(usual.header("X-Pixforge-Prompt-Safety"), "");
  testing::wait_for_job(c, usual.json()["id"]);
  EXPECT_EQ(ts.generator->last_params.negative_prompt, "nsfw, nude, lowres");
}

TEST(Safety, P8_benign_prompts_run_unchanged_and_log_nothing) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  for (const char* prompt : {"grilled chicken breast with herbs", "a nude-colour heel on a shelf",
                             "a blue tit on a branch", "a lighthouse at dusk"}) {
    auto r = c.post("/api/v1/generate",
                    {{"prompt", prompt}, {"width", 64}, {"height", 64}, {"steps", 1}});
    ASSERT_EQ(r.status, 202) << prompt;
    EXPECT_EQ(r.header("X-Pixforge-Prompt-Safety"), "");
    testing::wait_for_job(c, r.json()["id"]);
    EXPECT_EQ(ts.generator->last_params.prompt, prompt);
  }
  EXPECT_TRUE(ts.store().safety_decisions().empty());
}

TEST(Safety, P8_operator_rules_file_from_config_extends_the_defaults) {
  testing::TempDir dir;
  const std::string rules = dir.path() + "/rules.json";
  std::ofstream(rules) << R"({"version": 1, "categories": [{"name": "house_rules",
      "action": "block", "terms": ["zorblax*"]}]})";
  auto cfg = testing::test_config();
  cfg.safety.rules_file = rules;
  TestService ts(true, cfg);
  Client c = ts.client();
  c.consent();
  auto r =
      c.post("/api/v1/generate", {{"prompt", "a zorblaxian moon"}, {"width", 64}, {"height", 64}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"]["category"], "house_rules");
  auto defaults = c.post("/api/v1/generate", {{"prompt", "porn"}, {"width", 64}, {"height", 64}});
  EXPECT_EQ(defaults.status, 400) << "the compiled-in rules still apply";
  // A rules file that cannot be read stops the service at start-up, naming the file.
  cfg.safety.rules_file = dir.path() + "/missing.json";
  try {
    TestService broken(true, cfg);
    ADD_FAILURE() << "a missing rules file must stop the service";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("missing.json"), std::string::npos) << e.what();
  }
}

TEST(Safety, ConfigSectionsAreCheckedKeyByKey) {
  auto c = parse_config(
      "[safety]\nrules_file = \"/etc/pixforge/rules.json\"\nscreen_negative_prompt = false\n"
      "[moderation]\nenabled = false\nporn = 0.2\nhentai = 0.3\nsexy = 0.4\n"
      "models_dir = \"/srv/models\"\n"
      "[retention]\nflagged_review_days = 3\nmoderation_log_days = 90\n",
      "t.toml");
  EXPECT_EQ(c.safety.rules_file, "/etc/pixforge/rules.json");
  EXPECT_FALSE(c.safety.screen_negative_prompt);
  EXPECT_FALSE(c.moderation.enabled);
  EXPECT_DOUBLE_EQ(c.moderation.porn, 0.2);
  EXPECT_DOUBLE_EQ(c.moderation.hentai, 0.3);
  EXPECT_DOUBLE_EQ(c.moderation.sexy, 0.4);
  EXPECT_EQ(c.moderation.models_dir, "/srv/models");
  EXPECT_DOUBLE_EQ(c.retention.flagged_review_days, 3);
  EXPECT_DOUBLE_EQ(c.retention.moderation_log_days, 90);
  const std::pair<const char*, const char*> bad[] = {
      {"[safety]\nrule_file = \"x\"\n", "safety.rule_file"},
      {"[moderation]\nenabled = 1\n", "moderation.enabled"},
      {"[moderation]\nporn = 1.5\n", "moderation.porn"},
      {"[retention]\nflagged_review_days = 31\n", "retention.flagged_review_days"},
      {"[retention]\nmoderation_log_days = 1000\n", "retention.moderation_log_days"},
  };
  for (const auto& [text, key] : bad) {
    try {
      parse_config(text, "t.toml");
      ADD_FAILURE() << text;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace pixforge::service
