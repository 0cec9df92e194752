// F13 compatibility: OpenAI images API shapes and an A1111-style JSON client.
#include <gtest/gtest.h>

#include "api_harness.h"

namespace pixforge::service {
namespace {

using testing::Client;
using testing::TestService;

std::string api_key(TestService& ts, Client& web) {
  web.sign_up("compat");
  auto r = web.post("/api/v1/keys",
                    {{"agree", true}, {"notice_version", 1}, {"scopes", {"generate", "read"}}});
  EXPECT_EQ(r.status, 201);
  (void)ts;
  return r.json()["key"];
}

TEST(OpenAI, F13_generations_return_b64_json_or_urls) {
  TestService ts;
  Client web = ts.client();
  Client api = ts.client();
  api.bearer = api_key(ts, web);
  auto r = api.post("/v1/images/generations", {{"prompt", "a fox"},
                                               {"n", 2},
                                               {"size", "64x64"},
                                               {"response_format", "b64_json"},
                                               {"model", "anything"},
                                               {"user", "end-user-id"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  ASSERT_EQ(j["data"].size(), 2u);
  EXPECT_EQ(j["data"][0]["b64_json"].get<std::string>().rfind("iVBORw0KGgo", 0), 0u);  // PNG
  EXPECT_TRUE(j["created"].is_number());
  auto u = api.post("/v1/images/generations", {{"prompt", "a fox"}, {"size", "64x64"}});
  ASSERT_EQ(u.status, 200);
  const std::string url = u.json()["data"][0]["url"];
  EXPECT_EQ(api.get(url).status, 200);
  EXPECT_FALSE(testing::any_file_contains(ts.data_dir(), "end-user-id"));
}

TEST(OpenAI, F13_errors_use_the_openai_shape) {
  TestService ts;
  Client web = ts.client();
  Client api = ts.client();
  api.bearer = api_key(ts, web);
  auto r = api.post("/v1/images/generations", {{"size", "64x64"}});
  EXPECT_EQ(r.status, 400);
  auto e = r.json()["error"];
  EXPECT_EQ(e["param"], "prompt");
  EXPECT_EQ(e["type"], "invalid_request_error");
  EXPECT_TRUE(e["message"].is_string());
  EXPECT_TRUE(e.contains("code"));
  auto bad_size = api.post("/v1/images/generations", {{"prompt", "x"}, {"size", "huge"}});
  EXPECT_EQ(bad_size.json()["error"]["param"], "size");
  Client wrong = ts.client();
  wrong.bearer = "pf_wrong";
  auto auth = wrong.post("/v1/images/generations", {{"prompt", "x"}});
  EXPECT_EQ(auth.status, 401);
  EXPECT_EQ(auth.json()["error"]["type"], "authentication_error");
}

TEST(OpenAI, F13_edits_accept_multipart_image_and_mask) {
  TestService ts;
  Client web = ts.client();
  const std::string key = api_key(ts, web);
  const std::string png = testing::png_with_text(64, 64, "k", "v");
  httplib::MultipartFormDataItems items = {
      {"image", png, "in.png", "image/png"},
      {"mask", png, "mask.png", "image/png"},
      {"prompt", "make it blue", "", ""},
      {"response_format", "b64_json", "", ""},
  };
  auto r = web.http().Post("/v1/images/edits", {{"Authorization", "Bearer " + key}}, items);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(nlohmann::json::parse(r->body)["data"].size(), 1u);
  ASSERT_TRUE(ts.generator->last_params.init_image);
  EXPECT_TRUE(ts.generator->last_params.mask);
  EXPECT_EQ(ts.generator->last_params.width, 64);
}

TEST(A1111, F13_txt2img_img2img_progress_models_samplers) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  auto r = c.post("/sdapi/v1/txt2img", {{"prompt", "castle"},
                                        {"negative_prompt", "blurry"},
                                        {"steps", 3},
                                        {"width", 64},
                                        {"height", 64},
                                        {"seed", 42},
                                        {"sampler_name", "euler_a"},
                                        {"batch_size", 2},
                                        {"cfg_scale", 5}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  EXPECT_EQ(j["images"].size(), 2u);
  EXPECT_EQ(j["parameters"]["seed"], 42);
  EXPECT_EQ(nlohmann::json::parse(j["info"].get<std::string>())["sampler_name"], "euler_a");
  EXPECT_EQ(ts.generator->last_params.negative_prompt, "blurry");
  auto i2i = c.post("/sdapi/v1/img2img",
                    {{"prompt", "castle"},
                     {"init_images", {testing::b64(testing::png_with_text(64, 64, "a", "b"))}},
                     {"denoising_strength", 0.5},
                     {"width", 64},
                     {"height", 64},
                     {"steps", 2}});
  ASSERT_EQ(i2i.status, 200) << i2i.body;
  EXPECT_DOUBLE_EQ(ts.generator->last_params.strength, 0.5);
  auto progress = c.get("/sdapi/v1/progress").json();
  EXPECT_EQ(progress["state"]["job_count"], 0);
  EXPECT_TRUE(progress.contains("progress"));
  auto models = c.get("/sdapi/v1/sd-models").json();
  EXPECT_EQ(models[0]["model_name"], "test-gradient");
  auto samplers = c.get("/sdapi/v1/samplers").json();
  EXPECT_EQ(samplers.size(), 2u);
  auto bad = c.post("/sdapi/v1/txt2img", {{"prompt", "x"}, {"sampler_name", "nope"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json()["field"], "sampler");
}

TEST(A1111, P1_txt2img_without_consent_is_refused) {
  TestService ts;
  Client c = ts.client();
  auto r = c.post("/sdapi/v1/txt2img", {{"prompt", "castle"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json()["error"], "consent_required");
  EXPECT_EQ(ts.generator->runs.load(), 0);
}

}  // namespace
}  // namespace pixforge::service
