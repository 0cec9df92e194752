// P2 / P5 / P6 / P7: training flag, encryption at rest (scan), keys, export, deletion.
#include <gtest/gtest.h>

#include "api_harness.h"
#include "pixforge/service/export_zip.h"

namespace pixforge::service {
namespace {

using testing::Client;
using testing::TestService;

const std::string kPrompt = "a secret garden with a blue door, marker-51973";
const std::string kEmail = "rights.tester@example.org";

std::string generate(Client& c, TestService&, const nlohmann::json& extra = {}) {
  nlohmann::json body = {{"prompt", kPrompt}, {"width", 64}, {"height", 64}, {"steps", 2}};
  if (extra.is_object()) body.update(extra);
  auto r = c.post("/api/v1/generate", body);
  EXPECT_EQ(r.status, 202) << r.body;
  return testing::wait_for_job(c, r.json()["id"])["id"];
}

TEST(Rights, P2_training_use_defaults_off_and_changes_are_recorded_in_the_export) {
  TestService ts;
  Client anon = ts.client();
  anon.consent();
  EXPECT_EQ(anon.get("/api/v1/me").json()["training_use"], false);
  generate(anon, ts);
  EXPECT_EQ(anon.get("/api/v1/me").json()["jobs"][0]["training_use"], false);
  Client user = ts.client();
  user.sign_up("trainer");
  EXPECT_EQ(user.get("/api/v1/me").json()["training_use"], false);
  EXPECT_EQ(user.put("/api/v1/me/training", {{"training_use", true}}).status, 200);
  EXPECT_EQ(user.put("/api/v1/me/training", {{"training_use", false}}).status, 200);
  auto zip = user.get("/api/v1/export");
  ASSERT_EQ(zip.status, 200);
  const auto files = read_zip(zip.body);
  ASSERT_FALSE(files.empty());
  const auto data = nlohmann::json::parse(files[0].second);
  EXPECT_EQ(data["training_use"], false);
  ASSERT_EQ(data["training_history"].size(), 2u);
  EXPECT_EQ(data["training_history"][0]["training_use"], true);
  EXPECT_EQ(data["training_history"][1]["training_use"], false);
}

TEST(Rights, P5_scan_finds_no_plaintext_prompt_email_or_image_bytes_on_disk) {
  TestService ts;
  Client c = ts.client();
  c.sign_up("scanner", kEmail);
  const std::string upload = testing::png_with_text(64, 64, "Comment", "upload-marker-3319");
  const std::string job =
      generate(c, ts, {{"init_image", "data:image/png;base64," + testing::b64(upload)}});
  auto status = c.get("/api/v1/jobs/" + job).json();
  ASSERT_EQ(status["state"], "succeeded");
  const std::string output = c.get(status["images"][0]["url"]).body;
  ASSERT_GT(output.size(), 100u);
  const std::string dir = ts.data_dir();
  EXPECT_FALSE(testing::any_file_contains(dir, kPrompt));
  EXPECT_FALSE(testing::any_file_contains(dir, "marker-51973"));
  EXPECT_FALSE(testing::any_file_contains(dir, kEmail));
  EXPECT_FALSE(testing::any_file_contains(dir, "upload-marker-3319"));
  EXPECT_FALSE(testing::any_file_contains(dir, output.substr(output.size() / 2, 64)));
  EXPECT_FALSE(testing::any_file_contains(dir, "IHDR")) << "no unencrypted PNG anywhere";
}

TEST(Rights, P5_after_account_deletion_a_copied_blob_cannot_be_decrypted) {
  TestService ts;
  Client c = ts.client();
  c.sign_up("shredder");
  const std::string job = generate(c, ts);
  const auto blobs = ts.store().all_blobs();
  ASSERT_EQ(blobs.size(), 1u);
  const Bytes copy = *ts.service().blobs().get(blobs[0].id);  // e.g. a backup copy
  const std::string owner = blobs[0].owner_id;
  EXPECT_EQ(c.del("/api/v1/me").status, 200);
  EXPECT_FALSE(ts.store().find_owner(owner));
  Vault vault(ts.store(), random_key());
  EXPECT_THROW(vault.open_for(owner, copy, "blob:" + blobs[0].id), OwnerGone);
}

TEST(Rights, P6_api_keys_are_shown_once_stored_hashed_and_scoped) {
  TestService ts;
  Client web = ts.client();
  web.sign_up("keys");
  auto created =
      web.post("/api/v1/keys", {{"scopes", {"read"}}, {"agree", true}, {"notice_version", 1}});
  ASSERT_EQ(created.status, 201);
  const std::string key = created.json()["key"];
  EXPECT_EQ(key.size(), 3u + 43u);
  auto list = web.get("/api/v1/keys").json();
  EXPECT_FALSE(list.dump().find(key) != std::string::npos);
  EXPECT_FALSE(testing::any_file_contains(ts.data_dir(), key));
  EXPECT_FALSE(testing::any_file_contains(ts.data_dir(), key.substr(3)));
  Client api = ts.client();
  api.bearer = key;
  auto refused = api.post("/api/v1/generate", {{"prompt", "p"}, {"width", 64}, {"height", 64}});
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.json()["error"]["code"], "insufficient_scope");
  EXPECT_EQ(api.get("/api/v1/gallery").status, 200);
  // Without consent for the key's scope no key is made.
  EXPECT_EQ(web.post("/api/v1/keys", {{"scopes", {"generate"}}}).status, 403);
  EXPECT_EQ(web.del("/api/v1/keys/" + created.json()["id"].get<std::string>()).status, 200);
  EXPECT_EQ(api.get("/api/v1/gallery").status, 401);
  api.bearer = "pf_not-a-key";
  EXPECT_EQ(api.get("/api/v1/gallery").json()["error"]["code"], "invalid_api_key");
}

TEST(Rights, P6_passwords_are_argon2id_and_logins_are_throttled) {
  TestService ts;
  Client c = ts.client();
  c.sign_up("throttled");
  Client other = ts.client();
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(
        other.post("/api/v1/login", {{"username", "throttled"}, {"password", "wrong password"}})
            .status,
        401);
  auto locked = other.post("/api/v1/login",
                           {{"username", "throttled"}, {"password", "long enough password"}});
  EXPECT_EQ(locked.status, 429);
  EXPECT_FALSE(locked.header("Retry-After").empty());
  ts.clock.advance_ms(16 * 60 * 1000);
  EXPECT_EQ(
      other.post("/api/v1/login", {{"username", "throttled"}, {"password", "long enough password"}})
          .status,
      200);
  auto acct = ts.store().find_account_by_username("throttled");
  ASSERT_TRUE(acct);
  EXPECT_EQ(acct->password_hash.rfind("$argon2id$", 0), 0u);
}

TEST(Rights, P7_export_is_complete_and_account_deletion_leaves_nothing) {
  TestService ts;
  Client c = ts.client();
  const std::string id = c.sign_up("exporter", kEmail);
  const std::string job = generate(c, ts);
  ASSERT_EQ(c.post("/api/v1/keys", {{"agree", true}, {"notice_version", 1}}).status, 201);
  ASSERT_EQ(c.put("/api/v1/me/training", {{"training_use", true}}).status, 200);
  auto zip = c.get("/api/v1/export");
  ASSERT_EQ(zip.status, 200);
  EXPECT_EQ(zip.header("Content-Type"), "application/zip");
  const auto files = read_zip(zip.body);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].first, "data.json");
  const auto data = nlohmann::json::parse(files[0].second);
  EXPECT_EQ(data["account"]["username"], "exporter");
  EXPECT_EQ(data["account"]["email"], kEmail);
  EXPECT_EQ(data["jobs"][0]["prompt"], kPrompt);
  EXPECT_EQ(data["jobs"][0]["params"]["width"], 64);
  EXPECT_EQ(data["consents"].size(), 2u);  // web + the key's scope
  EXPECT_EQ(data["api_keys"].size(), 1u);
  EXPECT_EQ(data["images"].size(), 1u);
  EXPECT_EQ(files[1].second.substr(1, 3), "PNG");
  // Correct the profile, then delete everything.
  EXPECT_EQ(c.patch("/api/v1/me", {{"email", "new@example.org"}}).json()["account"]["email"],
            "new@example.org");
  EXPECT_EQ(c.del("/api/v1/me").status, 200);
  EXPECT_FALSE(ts.store().find_owner(id));
  EXPECT_FALSE(ts.store().find_account_by_username("exporter"));
  EXPECT_TRUE(ts.store().all_blobs().empty());
  EXPECT_TRUE(ts.service().blobs().list().empty());
  EXPECT_FALSE(ts.store().find_job(job));
  EXPECT_EQ(c.get("/api/v1/me").status, 401);
}

TEST(Rights, P7_delete_one_item_and_all_content_and_restrict_processing) {
  TestService ts;
  Client c = ts.client();
  c.sign_up("deleter");
  generate(c, ts);
  const std::string job2 = generate(c, ts);
  auto gallery = c.get("/api/v1/gallery").json()["images"];
  ASSERT_EQ(gallery.size(), 2u);
  EXPECT_EQ(c.del("/api/v1/images/" + gallery[0]["id"].get<std::string>()).status, 200);
  EXPECT_EQ(c.get("/api/v1/gallery").json()["images"].size(), 1u);
  EXPECT_EQ(ts.service().blobs().list().size(), 1u);
  EXPECT_EQ(c.del("/api/v1/content").status, 200);
  EXPECT_TRUE(c.get("/api/v1/gallery").json()["images"].empty());
  EXPECT_TRUE(ts.service().blobs().list().empty());
  EXPECT_FALSE(ts.store().find_job(job2));
  EXPECT_EQ(c.put("/api/v1/me/restrict", {{"restricted", true}}).status, 200);
  auto refused = c.post("/api/v1/generate", {{"prompt", "p"}, {"width", 64}, {"height", 64}});
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.json()["error"]["code"], "processing_restricted");
  EXPECT_EQ(c.put("/api/v1/me/restrict", {{"restricted", false}}).status, 200);
  EXPECT_EQ(c.post("/api/v1/generate", {{"prompt", "p"}, {"width", 64}, {"height", 64}}).status,
            202);
}

TEST(Rights, P13_security_events_are_audited_and_the_chain_verifies) {
  TestService ts;
  Client c = ts.client();
  c.sign_up("audited");
  c.post("/api/v1/keys", {{"agree", true}, {"notice_version", 1}});
  c.del("/api/v1/me");
  std::vector<std::string> events;
  for (const auto& row : ts.store().audit_rows()) events.push_back(row.event);
  for (const char* e : {"account_created", "consent_given", "key_created", "account_deleted"})
    EXPECT_NE(std::find(events.begin(), events.end(), e), events.end()) << e;
  EXPECT_EQ(verify_audit_chain(ts.service().audit_key(), ts.store().audit_rows()), -1);
}

}  // namespace
}  // namespace pixforge::service
