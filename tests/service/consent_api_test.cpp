// P1 / P10 / P11 / P12 and the HTTP edge (headers, errors, CSRF), against the real server.
#include <gtest/gtest.h>

#include "api_harness.h"
#include "pixforge/service/store.h"

namespace pixforge::service {
namespace {

using testing::Client;
using testing::TestService;

const nlohmann::json kGenerate = {{"prompt", "a lighthouse at dusk, unique-marker-7781"},
                                  {"width", 64},
                                  {"height", 64},
                                  {"steps", 3},
                                  {"seed", 5}};

TEST(Http, SecurityHeadersOnEveryResponse) {
  TestService ts;
  Client c = ts.client();
  for (const char* path : {"/api/v1/privacy", "/privacy", "/no/such/path"}) {
    auto r = c.get(path);
    const std::string csp = r.header("Content-Security-Policy");
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << path;
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << path;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << path;
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(r.header("Referrer-Policy"), "no-referrer") << path;
    EXPECT_EQ(r.header("Strict-Transport-Security"), "") << "no HSTS without TLS";
  }
  auto missing = c.get("/no/such/path");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json()["error"]["code"], "not_found");
}

TEST(Http, ErrorsNameTheFieldAndRule) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  auto r = c.post("/api/v1/generate", {{"prompt", "x"}, {"width", 63}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"]["field"], "width");
  auto bad_json = c.raw_post("/api/v1/generate", "{not json", "application/json");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(bad_json.json()["error"]["code"], "invalid_json");
  auto wrong_type = c.raw_post("/api/v1/generate", "prompt=x", "text/plain");
  EXPECT_EQ(wrong_type.status, 415);
}

TEST(Http, BodyLargerThanTheLimitIs413) {
  auto cfg = testing::test_config();
  cfg.limits.max_body_bytes = 1024;
  TestService ts(true, cfg);
  Client c = ts.client();
  c.consent();
  auto r = c.raw_post("/api/v1/generate", std::string(4096, 'a'), "application/json");
  EXPECT_EQ(r.status, 413);
}

TEST(Consent, P1_generation_without_consent_is_refused_and_stores_nothing) {
  TestService ts;
  Client c = ts.client();
  auto r = c.post("/api/v1/generate", kGenerate);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json()["error"]["code"], "consent_required");
  EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("/privacy"), std::string::npos);
  EXPECT_EQ(ts.generator->runs.load(), 0);
  EXPECT_TRUE(ts.store().all_blobs().empty());
  EXPECT_EQ(ts.store().oldest("sessions"), 0) << "no owner row may be created";
  for (const auto& row : ts.store().request_logs())
    EXPECT_EQ(row.endpoint.find("unique-marker"), std::string::npos);
  EXPECT_FALSE(testing::any_file_contains(ts.data_dir(), "unique-marker-7781"));
}

TEST(Consent, P1_with_consent_it_runs_and_after_withdrawal_it_is_refused_again) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  auto r = c.post("/api/v1/generate", kGenerate);
  ASSERT_EQ(r.status, 202) << r.body;
  auto job = testing::wait_for_job(c, r.json()["id"]);
  EXPECT_EQ(job["state"], "succeeded");
  EXPECT_EQ(c.del("/api/v1/consent").status, 200);
  auto again = c.post("/api/v1/generate", kGenerate);
  EXPECT_EQ(again.status, 403);
  EXPECT_EQ(again.json()["error"]["code"], "consent_required");
  EXPECT_EQ(ts.generator->runs.load(), 1);
}

TEST(Consent, P1_declining_stores_nothing_and_sets_no_cookie) {
  TestService ts;
  Client c = ts.client();
  auto r =
      c.post("/api/v1/consent", {{"agree", false}, {"age_confirmed", true}, {"notice_version", 1}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["consent"], false);
  EXPECT_TRUE(c.cookie.empty());
  EXPECT_EQ(ts.store().oldest("sessions"), 0);
}

TEST(Consent, P1_a_new_notice_version_needs_new_consent_for_sessions_and_keys) {
  TestService ts;
  Client web = ts.client();
  web.sign_up("keyowner");
  auto key = web.post("/api/v1/keys",
                      {{"scopes", {"generate", "read"}}, {"agree", true}, {"notice_version", 1}});
  ASSERT_EQ(key.status, 201) << key.body;
  Client api = ts.client();
  api.bearer = key.json()["key"];
  ASSERT_EQ(api.post("/api/v1/generate", kGenerate).status, 202);

  auto cfg = testing::test_config();
  cfg.notice.version = 2;
  ts.restart(cfg);
  Client web2 = ts.client();
  web2.cookie = web.cookie;
  web2.csrf = web.csrf;
  auto refused = web2.post("/api/v1/generate", kGenerate);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.json()["error"]["code"], "consent_required");
  Client api2 = ts.client();
  api2.bearer = api.bearer;
  auto key_refused = api2.post("/api/v1/generate", kGenerate);
  EXPECT_EQ(key_refused.status, 403);
  EXPECT_EQ(key_refused.json()["error"]["code"], "consent_renewal_required");
  // Consent to the old version is not accepted any more.
  EXPECT_EQ(web2.post("/api/v1/consent",
                      {{"agree", true}, {"age_confirmed", true}, {"notice_version", 1}})
                .status,
            409);
  web2.consent(2);
  EXPECT_EQ(web2.post("/api/v1/generate", kGenerate).status, 202);
  const std::string key_id = key.json()["id"];
  EXPECT_EQ(
      web2.post("/api/v1/keys/" + key_id + "/consent", {{"agree", true}, {"notice_version", 2}})
          .status,
      200);
  EXPECT_EQ(api2.post("/api/v1/generate", kGenerate).status, 202);
}

TEST(Consent, P10_consent_and_sign_up_need_age_confirmation_and_refusal_stores_nothing) {
  TestService ts;
  Client c = ts.client();
  auto r =
      c.post("/api/v1/consent", {{"agree", true}, {"age_confirmed", false}, {"notice_version", 1}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json()["error"]["code"], "age_confirmation_required");
  auto s = c.post("/api/v1/account", {{"username", "young"},
                                      {"password", "long enough password"},
                                      {"email", "kid@example.org"},
                                      {"agree", true},
                                      {"notice_version", 1}});
  EXPECT_EQ(s.status, 403);
  EXPECT_EQ(s.json()["error"]["code"], "age_confirmation_required");
  EXPECT_FALSE(ts.store().find_account_by_username("young"));
  EXPECT_EQ(ts.store().oldest("sessions"), 0);
  EXPECT_FALSE(testing::any_file_contains(ts.data_dir(), "kid@example.org"));
}

TEST(Consent, P11_no_processor_configured_means_local_only_in_notice_and_policy) {
  TestService ts;
  Client c = ts.client();
  auto policy = c.get("/api/v1/privacy").json();
  EXPECT_TRUE(policy["processors"].empty());
  EXPECT_EQ(policy["local_processing_only"], true);
  auto page = c.get("/privacy");
  EXPECT_NE(page.body.find("No prompt, photo or image is sent to anyone else"), std::string::npos);
}

TEST(Consent, P12_notice_and_policy_are_rendered_from_the_live_configuration) {
  auto cfg = testing::test_config();
  cfg.notice.version = 3;
  cfg.notice.last_updated = "2026-10-01";
  cfg.retention.upload_hours = 6;
  cfg.processors.push_back(
      {"Remote <GPU> Co", "prompt and size", "generation", "no retention", "EU"});
  TestService ts(true, cfg);
  Client c = ts.client();
  auto policy = c.get("/api/v1/privacy").json();
  EXPECT_EQ(policy["notice"]["version"], 3);
  EXPECT_EQ(policy["notice"]["last_updated"], "2026-10-01");
  EXPECT_DOUBLE_EQ(policy["retention"]["uploads_hours_after_job_end"].get<double>(), 6);
  EXPECT_EQ(policy["processors"][0]["name"], "Remote <GPU> Co");
  auto page = c.get("/privacy");
  EXPECT_NE(page.body.find("Version 3, last updated 2026-10-01"), std::string::npos);
  EXPECT_NE(page.body.find("at most 6 hours"), std::string::npos);
  EXPECT_NE(page.body.find("Remote &lt;GPU&gt; Co"), std::string::npos) << "escaped";
}

TEST(Consent, P12_dnt_and_gpc_suppress_analytics_for_that_request) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  const std::string day = "2023-11-14";  // ManualClock's start day (UTC)
  auto r1 = c.post("/api/v1/generate", kGenerate, {{"Sec-GPC", "1"}});
  ASSERT_EQ(r1.status, 202);
  auto r2 = c.post("/api/v1/generate", kGenerate, {{"DNT", "1"}});
  ASSERT_EQ(r2.status, 202);
  EXPECT_EQ(ts.store().counter(day, "generate.txt2img"), 0);
  ASSERT_EQ(c.post("/api/v1/generate", kGenerate).status, 202);
  EXPECT_EQ(ts.store().counter(day, "generate.txt2img"), 1);
  EXPECT_EQ(ts.store().counter(day, "size.64x64"), 1);
}

TEST(Consent, CookieSessionsNeedTheCsrfToken) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  const std::string csrf = c.csrf;
  c.csrf.clear();
  auto r = c.post("/api/v1/generate", kGenerate);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json()["error"]["code"], "csrf_failed");
  c.csrf = "wrong";
  EXPECT_EQ(c.post("/api/v1/generate", kGenerate).status, 403);
  c.csrf = csrf;
  EXPECT_EQ(c.post("/api/v1/generate", kGenerate).status, 202);
  // A cross-origin first request (no session yet) is refused.
  Client other = ts.client();
  auto x = other.post("/api/v1/consent",
                      {{"agree", true}, {"age_confirmed", true}, {"notice_version", 1}},
                      {{"Origin", "https://evil.example"}});
  EXPECT_EQ(x.status, 403);
}

TEST(Consent, SessionCookieIsHttpOnlyAndSameSiteStrict) {
  TestService ts;
  Client c = ts.client();
  auto r =
      c.post("/api/v1/consent", {{"agree", true}, {"age_confirmed", true}, {"notice_version", 1}});
  const std::string cookie = r.header("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "Secure only under TLS";
}

TEST(Consent, WithoutAGeneratorGenerationAnswers503AfterConsent) {
  TestService ts(false);
  Client c = ts.client();
  EXPECT_EQ(c.post("/api/v1/generate", kGenerate).status, 403);
  c.consent();
  auto r = c.post("/api/v1/generate", kGenerate);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.json()["error"]["code"], "model_not_loaded");
  EXPECT_TRUE(ts.store().jobs(ts.store().idle_owners("session", INT64_MAX)[0].id).empty());
}

}  // namespace
}  // namespace pixforge::service
