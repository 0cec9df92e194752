// A1111 batch count x batch size against the real server on loopback: seeds as A1111 assigns
// them (seed + image index), `info` as A1111 fills it, quotas counting every image, and
// /sdapi/v1/progress across iterations.
#include "../../service/src/a1111_batch.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "../../service/src/png_io.h"
#include "../../service/src/uploads.h"
#include "a1111_harness.h"
#include "pixforge/image/a1111_parameters.h"
#include "pixforge/image/codec.h"

namespace pixforge::service {
namespace {

using testing::A1111Service;
using testing::Client;

nlohmann::json body(nlohmann::json extra = nlohmann::json::object()) {
  nlohmann::json b = {{"prompt", "a lighthouse"},
                      {"negative_prompt", "blurry"},
                      {"steps", 3},
                      {"width", 64},
                      {"height", 64},
                      {"seed", 100}};
  b.update(extra);
  return b;
}

std::string decoded(const nlohmann::json& b64) {
  return base64_decode(b64.get<std::string>(), "test");
}

TEST(A1111Batch, F13_n_iter_times_batch_size_images_with_a1111_seeds) {
  A1111Service ts;
  Client c = ts.client();
  c.consent();
  auto r = c.post("/sdapi/v1/txt2img", body({{"n_iter", 2}, {"batch_size", 2}}));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = r.json();
  ASSERT_EQ(j["images"].size(), 4u);
  // One generator run per image, each a batch of one with its own seed: image k of the
  // request is exactly what seed + k alone gives (A1111 draws each image's noise that way).
  const auto calls = ts.generator->calls();
  ASSERT_EQ(calls.size(), 4u);
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(calls[k].seed, 100 + k);
    EXPECT_EQ(calls[k].batch, 1);
    EXPECT_EQ(calls[k].batch_count, 1);
    const Image img = decode_png(decoded(j["images"][k]), 1 << 20);
    EXPECT_EQ(img.pixels[0], 100 + k) << "image " << k << " is not seed + " << k;
    // The PNG's own parameters name that image's seed and its place in its batch.
    const auto png = decoded(j["images"][k]);
    const auto text =
        pixforge::read_png_text({reinterpret_cast<const std::uint8_t*>(png.data()), png.size()});
    const auto params = pixforge::parse_a1111_parameters(text.at("parameters"));
    EXPECT_EQ(params.get("Seed"), std::to_string(100 + k));
    EXPECT_EQ(params.get("Batch size"), "2");
    EXPECT_EQ(params.get("Batch pos"), std::to_string(k % 2));
  }
  const auto info = nlohmann::json::parse(j["info"].get<std::string>());
  EXPECT_EQ(info["seed"], 100);
  EXPECT_EQ(info["all_seeds"], nlohmann::json::array({100, 101, 102, 103}));
  EXPECT_EQ(info["all_prompts"], nlohmann::json::array_t(4, "a lighthouse"));
  EXPECT_EQ(info["all_negative_prompts"], nlohmann::json::array_t(4, "blurry"));
  EXPECT_EQ(info["batch_size"], 2);
  EXPECT_EQ(info["index_of_first_image"], 0);  // no grid is made
  ASSERT_EQ(info["infotexts"].size(), 4u);
  for (int k = 0; k < 4; ++k) {
    const auto t = pixforge::parse_a1111_parameters(info["infotexts"][k].get<std::string>());
    EXPECT_EQ(t.get("Seed"), std::to_string(100 + k));
  }
  // subseed -1 is resolved as A1111 does; all_subseeds count up from it.
  ASSERT_EQ(info["all_subseeds"].size(), 4u);
  EXPECT_GE(info["subseed"].get<std::int64_t>(), 0);
  EXPECT_EQ(info["all_subseeds"][3].get<std::int64_t>(), info["subseed"].get<std::int64_t>() + 3);
  EXPECT_EQ(j["parameters"]["n_iter"], 2);
  EXPECT_EQ(j["parameters"]["seed"], 100);
}

TEST(A1111Batch, F13_batch_size_alone_also_gives_each_image_its_seed) {
  A1111Service ts;
  Client c = ts.client();
  c.consent();
  auto r = c.post("/sdapi/v1/txt2img", body({{"batch_size", 3}, {"seed", -1}}));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto info = nlohmann::json::parse(r.json()["info"].get<std::string>());
  const auto first = info["seed"].get<std::int64_t>();
  EXPECT_GE(first, 0);
  EXPECT_EQ(info["all_seeds"], nlohmann::json::array({first, first + 1, first + 2}));
  EXPECT_EQ(ts.generator->calls().back().seed, first + 2);
}

TEST(A1111Batch, F13_subseed_is_echoed_as_sent) {
  A1111Service ts;
  Client c = ts.client();
  c.consent();
  auto r = c.post("/sdapi/v1/txt2img", body({{"n_iter", 2}, {"subseed", 7}}));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto info = nlohmann::json::parse(r.json()["info"].get<std::string>());
  EXPECT_EQ(info["subseed"], 7);
  EXPECT_EQ(info["all_subseeds"], nlohmann::json::array({7, 8}));
}

TEST(A1111Batch, F13_n_iter_out_of_range_is_refused_naming_it) {
  A1111Service ts;
  Client c = ts.client();
  c.consent();
  for (int bad : {0, 101}) {
    auto r = c.post("/sdapi/v1/txt2img", body({{"n_iter", bad}}));
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.json()["field"], "n_iter") << r.body;
  }
  EXPECT_EQ(c.post("/sdapi/v1/txt2img", body({{"n_iter", "2"}})).json()["field"], "n_iter");
  EXPECT_TRUE(ts.generator->calls().empty());
}

TEST(A1111Batch, P14_quota_counts_every_image_of_every_iteration) {
  ServiceConfig config = testing::test_config();
  config.limits.daily_quota_images = 5;
  A1111Service ts(config);
  Client c = ts.client();
  c.sign_up("batcher");
  // 3 x 2 = 6 images > 5: refused whole, nothing run, nothing charged.
  auto over = c.post("/sdapi/v1/txt2img", body({{"n_iter", 3}, {"batch_size", 2}}));
  EXPECT_EQ(over.status, 429) << over.body;
  EXPECT_TRUE(ts.generator->calls().empty());
  auto four = c.post("/sdapi/v1/txt2img", body({{"n_iter", 2}, {"batch_size", 2}}));
  ASSERT_EQ(four.status, 200) << four.body;
  EXPECT_EQ(c.post("/sdapi/v1/txt2img", body()).status, 200);  // the fifth image
  EXPECT_EQ(c.post("/sdapi/v1/txt2img", body()).status, 429);
  EXPECT_EQ(ts.generator->calls().size(), 5u);
}

TEST(A1111Batch, P14_concurrent_batches_never_overspend_the_quota) {
  ServiceConfig config = testing::test_config();
  config.limits.daily_quota_images = 8;
  A1111Service ts(config);
  Client owner = ts.client();
  owner.sign_up("racer");
  // 6 requests of 3 images at once against a quota of 8: at most two fit.
  std::vector<std::future<int>> results;
  for (int i = 0; i < 6; ++i)
    results.push_back(std::async(std::launch::async, [&] {
      Client c = ts.client();
      c.cookie = owner.cookie;
      c.csrf = owner.csrf;
      return c.post("/sdapi/v1/txt2img", body({{"n_iter", 3}})).status;
    }));
  int ok = 0;
  for (auto& f : results) {
    const int status = f.get();
    EXPECT_TRUE(status == 200 || status == 429) << status;
    ok += status == 200;
  }
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(ts.generator->calls().size(), 6u);
}

TEST(A1111Batch, F14_progress_reports_job_no_and_sampling_step_across_iterations) {
  A1111Service ts;
  Client c = ts.client();
  c.consent();
  // 2 iterations of 2 images, 3 steps each: stop in the 4th run (iteration 1, second image)
  // after its 2nd step.
  ts.generator->pause_at(3, 2);
  auto pending = std::async(std::launch::async, [&] {
    Client poster = ts.client();
    poster.cookie = c.cookie;
    poster.csrf = c.csrf;
    return poster.post("/sdapi/v1/txt2img", body({{"n_iter", 2}, {"batch_size", 2}}));
  });
  ASSERT_TRUE(ts.generator->wait_until_paused(10000));
  ts.clock.advance_ms(3000);
  const auto p = c.get("/sdapi/v1/progress").json();
  const auto& state = p["state"];
  EXPECT_EQ(state["job_no"], 1);
  EXPECT_EQ(state["job_count"], 2);
  // An iteration of two images runs them one after another: 2 x 3 sampler steps.
  EXPECT_EQ(state["sampling_step"], 5);
  EXPECT_EQ(state["sampling_steps"], 6);
  EXPECT_EQ(state["job_timestamp"].get<std::string>().size(), 14u);
  for (const char* f : {"skipped", "interrupted", "stopping_generation", "job"})
    EXPECT_TRUE(state.contains(f)) << f;
  // A1111: 0.01 + job_no / job_count + sampling_step / sampling_steps / job_count.
  const double expected = 0.01 + 1.0 / 2 + 5.0 / 6 / 2;
  EXPECT_NEAR(p["progress"].get<double>(), expected, 1e-9);
  EXPECT_GT(p["eta_relative"].get<double>(), 0.0);
  // Another user sees nothing of it.
  Client other = ts.client();
  other.consent();
  EXPECT_EQ(other.get("/sdapi/v1/progress").json()["state"]["job_count"], 0);
  ts.generator->release();
  auto r = pending.get();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["images"].size(), 4u);
  const auto idle = c.get("/sdapi/v1/progress").json();
  EXPECT_EQ(idle["state"]["job_count"], 0);
  EXPECT_EQ(idle["progress"], 0.0);
}

TEST(A1111Batch, F13_send_images_false_answers_without_images) {
  A1111Service ts;
  Client c = ts.client();
  c.consent();
  auto r = c.post("/sdapi/v1/txt2img", body({{"batch_size", 2}, {"send_images", false}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.json()["images"].empty());
  const auto info = nlohmann::json::parse(r.json()["info"].get<std::string>());
  EXPECT_EQ(info["all_seeds"], nlohmann::json::array({100, 101}));
}

// The plan the job runner follows, without HTTP.
TEST(A1111Batch, F13_runs_seeds_and_progress_of_a_job) {
  GenerationParams p;
  p.seed = 10;
  p.batch = 3;
  p.batch_count = 2;
  p.seed_per_image = true;
  EXPECT_EQ(job_images(p), 6);
  const auto runs = generator_runs(p);
  ASSERT_EQ(runs.size(), 6u);
  for (int k = 0; k < 6; ++k) {
    EXPECT_EQ(runs[k].seed, 10 + k);
    EXPECT_EQ(image_seed(p, k), 10 + k);
  }
  const JobProgress jp = job_progress(p, 4, 6, Progress{2, 5, std::nullopt});
  EXPECT_EQ(jp.step, 22);
  EXPECT_EQ(jp.total, 30);
  EXPECT_EQ(jp.iteration, 1);
  EXPECT_EQ(jp.iterations, 2);
  EXPECT_EQ(jp.iteration_step, 7);
  EXPECT_EQ(jp.iteration_steps, 15);
  // Without seed_per_image (native API) a batch shares its seed and runs as one call.
  p.seed_per_image = false;
  const auto shared = generator_runs(p);
  ASSERT_EQ(shared.size(), 2u);
  EXPECT_EQ(shared[0].batch, 3);
  EXPECT_EQ(shared[1].seed, 11);
  EXPECT_EQ(image_seed(p, 4), 11);
}

}  // namespace
}  // namespace pixforge::service
