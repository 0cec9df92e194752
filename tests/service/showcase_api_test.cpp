// P11 against the real server: the public showcase shows an image only after its owner opted
// that one image in; revoking, deleting the image or the account, or restricting processing
// removes it at once; withheld (P9) and other owners' images cannot be opted in; the public
// copy carries no metadata. And the processor table: declined consent sends nothing out.
#include <gtest/gtest.h>

#include "api_harness.h"
#include "moderation_harness.h"

namespace pixforge::service {
namespace {

using testing::Client;
using testing::kCleanSeed;
using testing::kFlaggedSeed;
using testing::ModeratedService;
using testing::small_job;

std::vector<std::string> run_images(Client& c, int seed, int n = 1) {
  auto body = small_job("a quiet harbour", seed);
  body["n"] = n;
  auto r = c.post("/api/v1/generate", body);
  EXPECT_EQ(r.status, 202) << r.body;
  auto job = testing::wait_for_job(c, r.json().value("id", ""));
  std::vector<std::string> ids;
  for (const auto& img : job["images"]) ids.push_back(img["id"]);
  return ids;
}

std::vector<std::string> showcased(Client& anyone) {
  auto r = anyone.get("/api/v1/showcase");
  EXPECT_EQ(r.status, 200) << r.body;
  const nlohmann::json listing = r.json();  // kept alive for the loop below
  std::vector<std::string> ids;
  for (const auto& img : listing["images"]) ids.push_back(img["id"]);
  return ids;
}

std::string showcase_path(const std::string& id) { return "/api/v1/images/" + id + "/showcase"; }

TEST(Showcase, P11_only_images_opted_in_one_by_one_are_public) {
  ModeratedService ms;
  Client owner = ms.client();
  owner.consent();
  const auto ids = run_images(owner, kCleanSeed, 2);
  ASSERT_EQ(ids.size(), 2u);
  Client visitor = ms.client();
  EXPECT_TRUE(showcased(visitor).empty()) << "nothing is public by default";
  EXPECT_EQ(visitor.get("/api/v1/showcase/" + ids[0]).status, 404);
  auto in = owner.post(showcase_path(ids[0]), nlohmann::json::object());
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(showcased(visitor), std::vector<std::string>{ids[0]}) << "that image only";
  auto listing = visitor.get("/api/v1/showcase").json()["images"][0];
  EXPECT_FALSE(listing.contains("owner_id"));
  EXPECT_FALSE(listing.contains("job_id"));
  auto img = visitor.get(listing["url"]);
  ASSERT_EQ(img.status, 200);
  EXPECT_EQ(img.header("Content-Type"), "image/png");
  EXPECT_EQ(img.body.find("tEXt"), std::string::npos) << "no text chunk (no prompt) in public";
  EXPECT_EQ(img.body.find("iTXt"), std::string::npos);
  EXPECT_EQ(visitor.get("/api/v1/showcase/" + ids[1]).status, 404);
  bool audited = false;
  for (const auto& a : ms.store().audit_rows()) audited |= a.event == "showcase_opt_in";
  EXPECT_TRUE(audited);
}

TEST(Showcase, P11_revoking_removes_the_image_immediately) {
  ModeratedService ms;
  Client owner = ms.client();
  owner.consent();
  const std::string id = run_images(owner, kCleanSeed).at(0);
  ASSERT_EQ(owner.post(showcase_path(id), nlohmann::json::object()).status, 200);
  Client visitor = ms.client();
  ASSERT_EQ(showcased(visitor).size(), 1u);
  ASSERT_EQ(owner.del(showcase_path(id)).status, 200);
  EXPECT_TRUE(showcased(visitor).empty());
  EXPECT_EQ(visitor.get("/api/v1/showcase/" + id).status, 404);
  EXPECT_EQ(owner.get("/api/v1/images/" + id).status, 200) << "revoking keeps the image";
}

TEST(Showcase, P11_deleting_the_image_or_the_account_or_restricting_removes_it) {
  ModeratedService ms;
  Client owner = ms.account("shower");
  const auto ids = run_images(owner, kCleanSeed, 2);
  for (const auto& id : ids)
    ASSERT_EQ(owner.post(showcase_path(id), nlohmann::json::object()).status, 200);
  Client visitor = ms.client();
  ASSERT_EQ(showcased(visitor).size(), 2u);
  ASSERT_EQ(owner.del("/api/v1/images/" + ids[0]).status, 200);
  EXPECT_EQ(showcased(visitor), std::vector<std::string>{ids[1]});
  ASSERT_EQ(owner.put("/api/v1/me/restrict", {{"restricted", true}}).status, 200);
  EXPECT_TRUE(showcased(visitor).empty()) << "restricted processing: not published";
  EXPECT_EQ(visitor.get("/api/v1/showcase/" + ids[1]).status, 404);
  ASSERT_EQ(owner.put("/api/v1/me/restrict", {{"restricted", false}}).status, 200);
  ASSERT_EQ(showcased(visitor).size(), 1u);
  ASSERT_EQ(owner.del("/api/v1/me").status, 200);
  EXPECT_TRUE(showcased(visitor).empty());
  EXPECT_EQ(visitor.get("/api/v1/showcase/" + ids[1]).status, 404);
}

TEST(Showcase, P11_withheld_and_other_owners_images_cannot_be_opted_in) {
  ModeratedService ms;
  Client owner = ms.client();
  owner.consent();
  EXPECT_TRUE(run_images(owner, kFlaggedSeed).empty());
  const std::string flagged = ms.store().flags("pending", 10).at(0).blob_id;
  EXPECT_EQ(owner.post(showcase_path(flagged), nlohmann::json::object()).status, 404);
  const std::string mine = run_images(owner, kCleanSeed).at(0);
  Client other = ms.client();
  other.consent();
  EXPECT_EQ(other.post(showcase_path(mine), nlohmann::json::object()).status, 404);
  EXPECT_EQ(other.del(showcase_path(mine)).status, 404);
  Client nobody = ms.client();
  EXPECT_EQ(nobody.post(showcase_path(mine), nlohmann::json::object()).status, 404);
  EXPECT_TRUE(showcased(nobody).empty());
  // A moderator's release makes it an ordinary output, which its owner may then opt in.
  Client mod = ms.account("moddy", "moderator");
  const std::string flag = ms.store().flags("pending", 10).at(0).id;
  ASSERT_EQ(
      mod.post("/api/v1/moderation/flags/" + flag + "/decision", {{"decision", "release"}}).status,
      200);
  EXPECT_EQ(owner.post(showcase_path(flagged), nlohmann::json::object()).status, 200);
}

TEST(Showcase, P11_an_api_key_cannot_publish_on_its_owners_behalf) {
  ModeratedService ms;
  Client owner = ms.account("keyholder");
  const std::string id = run_images(owner, kCleanSeed).at(0);
  auto key = owner.post(
      "/api/v1/keys",
      {{"scopes", {"generate", "read", "delete"}}, {"agree", true}, {"notice_version", 1}});
  ASSERT_EQ(key.status, 201) << key.body;
  Client api = ms.client();
  api.bearer = key.json()["key"];
  auto r = api.post(showcase_path(id), nlohmann::json::object());
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json()["error"]["code"], "session_required");
  EXPECT_TRUE(showcased(api).empty());
}

// The processor table (P11): a configured processor is listed with what it receives, why and
// its use limit; with consent declined not one request reaches the processing seam (the
// Generator, where a remote provider plugs in), and nothing of the request is kept.
TEST(Showcase, P11_declined_consent_sends_nothing_to_a_listed_processor) {
  auto cfg = testing::test_config();
  cfg.processors.push_back({"Remote GPU Ltd", "prompt, size and seed", "image generation",
                            "deleted after the job; never used for training", "EU"});
  testing::TestService ts(true, cfg);
  Client c = ts.client();
  auto policy = c.get("/api/v1/privacy").json();
  ASSERT_EQ(policy["processors"].size(), 1u);
  EXPECT_EQ(policy["processors"][0]["data_sent"], "prompt, size and seed");
  EXPECT_EQ(policy["processors"][0]["use_limit"], "deleted after the job; never used for training");
  EXPECT_EQ(policy["local_processing_only"], false);
  // The live policy names the showcase rights and the moderation periods (P11, P9, P12).
  EXPECT_EQ(policy["rights"]["showcase_opt_in"], "POST /api/v1/images/{id}/showcase");
  EXPECT_EQ(policy["rights"]["showcase_revoke"], "DELETE /api/v1/images/{id}/showcase");
  EXPECT_DOUBLE_EQ(policy["retention"]["flagged_images_review_days"].get<double>(), 14);
  EXPECT_EQ(policy["safety"]["output_moderation"], false) << "test_config() disables it";
  EXPECT_NE(c.get("/privacy").body.find("Remote GPU Ltd"), std::string::npos);
  auto declined =
      c.post("/api/v1/consent", {{"agree", false}, {"age_confirmed", true}, {"notice_version", 1}});
  EXPECT_EQ(declined.json()["stored"], false);
  const std::string prompt = "a lighthouse for the processor";
  EXPECT_EQ(c.post("/api/v1/generate", small_job(prompt, 1)).status, 403);
  EXPECT_EQ(c.post("/v1/images/generations", {{"prompt", prompt}, {"size", "64x64"}}).status, 403);
  EXPECT_EQ(c.post("/sdapi/v1/txt2img", small_job(prompt, 1)).status, 403);
  EXPECT_EQ(ts.generator->runs, 0) << "zero requests reached the processor";
  EXPECT_FALSE(testing::any_file_contains(ts.data_dir(), prompt));
  c.consent();
  auto ok = c.post("/api/v1/generate", small_job(prompt, 1));
  ASSERT_EQ(ok.status, 202);
  testing::wait_for_job(c, ok.json()["id"]);
  EXPECT_EQ(ts.generator->runs, 1) << "with consent the job reaches it";
}

}  // namespace
}  // namespace pixforge::service
