// P9 in the worker, against the real server with the ImageModerator seam's test double: every
// output is scored before it is stored; flagged ones are withheld from their owner, shown only
// to moderators, decided (release / delete) once, and swept after the review period. P6: the
// moderation routes answer 403 to everyone else.
#include <gtest/gtest.h>

#include "api_harness.h"
#include "moderation_harness.h"
#include "pixforge/service/retention_audit.h"

namespace pixforge::service {
namespace {

using testing::Client;
using testing::kCleanSeed;
using testing::kFlaggedSeed;
using testing::ModeratedService;
using testing::small_job;

// Submits one job and waits for it; returns the job JSON.
nlohmann::json run_job(Client& c, int seed, const std::string& prompt = "a quiet harbour") {
  auto r = c.post("/api/v1/generate", small_job(prompt, seed));
  EXPECT_EQ(r.status, 202) << r.body;
  return testing::wait_for_job(c, r.json().value("id", ""));
}

std::vector<BlobRow> blobs_of_kind(Store& store, const std::string& kind) {
  std::vector<BlobRow> out;
  for (const auto& b : store.all_blobs())
    if (b.kind == kind) out.push_back(b);
  return out;
}

TEST(Moderation, P9_clean_output_is_scored_before_it_becomes_visible) {
  ModeratedService ms;
  Client c = ms.client();
  c.consent();
  auto job = run_job(c, kCleanSeed);
  ASSERT_EQ(job["state"], "succeeded");
  EXPECT_EQ(job["images"].size(), 1u);
  EXPECT_EQ(ms.moderator->scored, 1);
  EXPECT_TRUE(ms.store().flags("", 10).empty());
  EXPECT_EQ(c.get(job["images"][0]["url"]).status, 200);
}

TEST(Moderation, P9_flagged_output_is_withheld_from_its_owner_in_every_api) {
  ModeratedService ms;
  Client c = ms.client();
  c.consent();
  auto job = run_job(c, kFlaggedSeed);
  ASSERT_EQ(job["state"], "succeeded");
  EXPECT_TRUE(job["images"].empty()) << "no bytes, no URL for a withheld image";
  EXPECT_EQ(job["moderation"]["withheld_images"], 1);
  EXPECT_EQ(job["moderation"]["result"], "withheld");
  const auto flagged = blobs_of_kind(ms.store(), "flagged");
  ASSERT_EQ(flagged.size(), 1u);
  EXPECT_TRUE(blobs_of_kind(ms.store(), "output").empty());
  // The owner cannot fetch it by id, list it, or export its bytes.
  EXPECT_EQ(c.get("/api/v1/images/" + flagged[0].id).status, 404);
  EXPECT_TRUE(c.get("/api/v1/gallery").json()["images"].empty());
  // Encrypted at rest like every blob: the file holds no PNG signature in the clear.
  EXPECT_FALSE(testing::any_file_contains(ms.data_dir() + "/data", "IHDR"));
  auto zip = c.get("/api/v1/export");
  ASSERT_EQ(zip.status, 200);
  EXPECT_EQ(zip.body.find(flagged[0].id + ".png"), std::string::npos) << "no bytes in the export";
  // The synchronous APIs answer 422 output_withheld in their own error shapes. The OpenAI route
  // takes no seed, so from here every image is flagged.
  ms.moderator->flag_from_red = 0;
  auto o2 = c.post("/v1/images/generations", {{"prompt", "a quiet harbour"}, {"size", "64x64"}});
  EXPECT_EQ(o2.status, 422) << o2.body;
  EXPECT_EQ(o2.json()["error"]["code"], "output_withheld");
  auto a1 = c.post("/sdapi/v1/txt2img", small_job("a quiet harbour", kCleanSeed));
  EXPECT_EQ(a1.status, 422) << a1.body;
  EXPECT_EQ(a1.json()["error"], "output_withheld");
}

TEST(Moderation, P9_an_image_that_cannot_be_scored_is_never_stored) {
  ModeratedService ms;
  Client c = ms.client();
  c.consent();
  ms.moderator->fail = true;
  auto job = run_job(c, kCleanSeed);
  EXPECT_EQ(job["state"], "failed");
  EXPECT_EQ(job["error"], "moderation_failed");
  EXPECT_TRUE(ms.store().all_blobs().empty());
}

TEST(Moderation, P6_only_moderators_reach_the_moderation_routes) {
  ModeratedService ms;
  Client owner = ms.client();
  owner.consent();
  run_job(owner, kFlaggedSeed);
  const std::string flag = ms.store().flags("pending", 10).at(0).id;
  const std::string base = "/api/v1/moderation/flags";
  Client user = ms.account("plainuser");
  for (Client* who : {&owner, &user}) {
    EXPECT_EQ(who->get(base).status, 403);
    EXPECT_EQ(who->get(base + "/" + flag).status, 403);
    EXPECT_EQ(who->get(base + "/" + flag + "/image").status, 403);
    EXPECT_EQ(who->post(base + "/" + flag + "/decision", {{"decision", "release"}}).status, 403);
  }
  Client nobody = ms.client();
  EXPECT_EQ(nobody.get(base).status, 401);
  EXPECT_EQ(ms.store().flags("pending", 10).size(), 1u) << "nothing was decided";
  Client mod = ms.account("moddy", "moderator");
  EXPECT_EQ(mod.get(base).status, 200);
  Client admin = ms.account("root", "admin");
  EXPECT_EQ(admin.get(base).status, 200) << "admin passes every role check";
}

TEST(Moderation, P9_moderator_sees_the_flagged_image_and_releases_it_to_its_owner) {
  ModeratedService ms;
  Client owner = ms.client();
  owner.consent();
  auto job = run_job(owner, kFlaggedSeed, "a quiet zorblax harbour");
  Client mod = ms.account("moddy", "moderator");
  auto list = mod.get("/api/v1/moderation/flags").json()["flags"];
  ASSERT_EQ(list.size(), 1u);
  const auto& f = list[0];
  EXPECT_EQ(f["decision"], "pending");
  EXPECT_EQ(f["top_class"], "Porn");
  EXPECT_DOUBLE_EQ(f["scores"]["Porn"].get<double>(), 0.9);
  EXPECT_EQ(f["review_until_ms"], f["created_ms"].get<std::int64_t>() + 14 * kDayMs);
  EXPECT_EQ(f.dump().find("zorblax"), std::string::npos) << "the flag log has no prompt";
  auto img = mod.get(f["image_url"]);
  EXPECT_EQ(img.status, 200);
  EXPECT_EQ(img.body.substr(1, 3), "PNG");
  const std::string id = f["id"];
  auto d = mod.post("/api/v1/moderation/flags/" + id + "/decision", {{"decision", "release"}});
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(d.json()["decision"], "released");
  EXPECT_FALSE(d.json().contains("image_url")) << "moderators see only what is under review";
  EXPECT_EQ(
      mod.post("/api/v1/moderation/flags/" + id + "/decision", {{"decision", "delete"}}).status,
      409);
  // The owner now sees it like any output.
  auto again = owner.get("/api/v1/jobs/" + job["id"].get<std::string>()).json();
  ASSERT_EQ(again["images"].size(), 1u);
  EXPECT_EQ(again["moderation"]["withheld_images"], 0);
  EXPECT_FALSE(again["moderation"].contains("result"));
  EXPECT_EQ(owner.get(again["images"][0]["url"]).status, 200);
  EXPECT_EQ(mod.get("/api/v1/moderation/flags/" + id + "/image").status, 404);
  bool audited = false;
  for (const auto& a : ms.store().audit_rows())
    audited |= a.event == "moderation_released" && a.detail == "flag=" + id;
  EXPECT_TRUE(audited);
  EXPECT_LT(verify_audit_chain(ms.service().audit_key(), ms.store().audit_rows()), 0);
}

TEST(Moderation, P9_moderator_deletes_a_flagged_image_at_once) {
  ModeratedService ms;
  Client owner = ms.client();
  owner.consent();
  run_job(owner, kFlaggedSeed);
  const auto blob = blobs_of_kind(ms.store(), "flagged").at(0);
  const std::string id = ms.store().flags("pending", 10).at(0).id;
  Client mod = ms.account("moddy", "moderator");
  EXPECT_EQ(mod.post("/api/v1/moderation/flags/" + id + "/decision", {{"decision", "burn"}}).status,
            400);
  auto d = mod.post("/api/v1/moderation/flags/" + id + "/decision", {{"decision", "delete"}});
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_FALSE(ms.service().blobs().get(blob.id)) << "file unlinked";
  EXPECT_FALSE(ms.store().find_blob(blob.id)) << "row gone";
  auto log = ms.store().find_flag(id);
  ASSERT_TRUE(log) << "the flag log keeps the decision";
  EXPECT_EQ(log->decision, "deleted");
  EXPECT_TRUE(log->blob_id.empty());
  EXPECT_EQ(mod.get("/api/v1/moderation/flags?decision=deleted").json()["flags"].size(), 1u);
  EXPECT_EQ(mod.get("/api/v1/moderation/flags?decision=bogus").status, 400);
}

TEST(Moderation, P9_withheld_image_is_swept_after_its_review_period) {
  auto cfg = ModeratedService::moderated_config();
  cfg.retention.flagged_review_days = 3;
  cfg.retention.moderation_log_days = 10;
  ModeratedService ms(cfg);
  Client owner = ms.client();
  owner.consent();
  run_job(owner, kFlaggedSeed);
  const auto blob = blobs_of_kind(ms.store(), "flagged").at(0);
  const std::string id = ms.store().flags("pending", 10).at(0).id;
  ms.clock.advance_hours(3 * 24 - 1);
  ms.service().sweep_now();
  EXPECT_TRUE(ms.service().blobs().get(blob.id)) << "kept during the review period";
  auto audit = retention_audit(ms.store(), cfg, ms.clock.now_ms());
  bool seen = false;
  for (const auto& row : audit)
    if (row["category"] == "flagged_images") {
      seen = true;
      EXPECT_EQ(row["within_policy"], true);
      EXPECT_DOUBLE_EQ(row["limit_hours"].get<double>(), 72);
    }
  EXPECT_TRUE(seen) << "privacy audit lists the category";
  ms.clock.advance_hours(2);
  ms.service().sweep_now();
  EXPECT_FALSE(ms.service().blobs().get(blob.id)) << "file unlinked";
  EXPECT_FALSE(ms.store().find_blob(blob.id)) << "row gone";
  EXPECT_EQ(ms.store().find_flag(id)->decision, "expired");
  EXPECT_EQ(ms.store().oldest("flagged_images"), 0);
  // The flag log itself goes after moderation_log_days.
  ms.clock.advance_hours(10 * 24);
  ms.service().sweep_now();
  EXPECT_FALSE(ms.store().find_flag(id));
  EXPECT_EQ(ms.store().oldest("moderation_log"), 0);
}

TEST(Moderation, P9_deleting_the_account_removes_the_image_and_anonymises_the_flag_log) {
  ModeratedService ms;
  Client owner = ms.account("leaving");
  run_job(owner, kFlaggedSeed);
  const auto blob = blobs_of_kind(ms.store(), "flagged").at(0);
  const std::string id = ms.store().flags("pending", 10).at(0).id;
  // The owner's export lists that an image is held, without its bytes.
  auto me = owner.get("/api/v1/me").json();
  ASSERT_EQ(me["images"].size(), 1u);
  EXPECT_EQ(me["images"][0]["kind"], "flagged");
  ASSERT_EQ(owner.del("/api/v1/me").status, 200);
  EXPECT_FALSE(ms.service().blobs().get(blob.id));
  ms.service().sweep_now();
  const auto f = ms.store().find_flag(id);
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->owner_id.empty()) << "no link to the deleted account";
  EXPECT_TRUE(f->job_id.empty());
  EXPECT_EQ(f->decision, "gone");
}

TEST(Moderation, P9_generation_without_a_moderator_needs_moderation_disabled_explicitly) {
  testing::TempDir dir;
  ServiceOptions o;
  o.config = ModeratedService::moderated_config();
  o.config.server.data_dir = dir.path() + "/data";
  o.generator = std::make_unique<testing::GradientGenerator>();
  o.start_sweeper = false;
  o.start_worker = false;
  EXPECT_THROW(Service svc(std::move(o)), std::invalid_argument);
  ServiceOptions off;
  off.config = ModeratedService::moderated_config();
  off.config.server.data_dir = dir.path() + "/data";
  off.config.moderation.enabled = false;
  off.generator = std::make_unique<testing::GradientGenerator>();
  off.start_sweeper = false;
  off.start_worker = false;
  EXPECT_NO_THROW(Service svc(std::move(off)));
}

}  // namespace
}  // namespace pixforge::service
