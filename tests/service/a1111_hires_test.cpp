// A1111's variation seeds and hires fix over the API, against the real server on loopback with
// the scripted generator: how the fields map onto the job's GenerationParams (per image: seed
// kept and subseed + k while a strength is set), what `info` and the infotexts report, the
// upscaler lists, hires prompts screened like prompts, and errors naming the field.
#include <gtest/gtest.h>

#include "a1111_harness.h"
#include "pixforge/image/a1111_parameters.h"

namespace pixforge::service {
namespace {

using testing::A1111Service;
using testing::Client;

using testing::a1111_body;

nlohmann::json info_of(const testing::Response& r) {
  return nlohmann::json::parse(r.json()["info"].get<std::string>());
}

TEST(A1111Variation, F13_variation_seeds_map_per_image_as_a1111_assigns_them) {
  A1111Service ts;
  Client c = ts.client();
  c.consent();
  auto r = c.post("/sdapi/v1/txt2img", a1111_body({{"subseed", 100},
                                                   {"subseed_strength", 0.25},
                                                   {"batch_size", 2},
                                                   {"n_iter", 2},
                                                   {"seed_resize_from_w", 96},
                                                   {"seed_resize_from_h", 80}}));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto calls = ts.generator->calls();
  ASSERT_EQ(calls.size(), 4u);
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(calls[k].seed, 5) << k;  // the seed stays while a strength is set
    EXPECT_EQ(calls[k].subseed, 100 + k) << k;
    EXPECT_EQ(calls[k].subseed_strength, 0.25);
    EXPECT_EQ(calls[k].seed_resize_from_w, 96);
    EXPECT_EQ(calls[k].seed_resize_from_h, 80);
  }
  const auto info = info_of(r);
  EXPECT_EQ(info["all_seeds"], nlohmann::json::array({5, 5, 5, 5}));
  EXPECT_EQ(info["all_subseeds"], nlohmann::json::array({100, 101, 102, 103}));
  EXPECT_EQ(info["subseed_strength"], 0.25);
  EXPECT_EQ(info["seed_resize_from_w"], 96);
  const A1111Parameters third = parse_a1111_parameters(info["infotexts"][2].get<std::string>());
  EXPECT_EQ(third.get("Seed"), "5");
  EXPECT_EQ(third.get("Variation seed"), "102");
  EXPECT_EQ(third.get("Variation seed strength"), "0.25");
  EXPECT_EQ(third.get("Seed resize from"), "96x80");

  // Strength 0: seeds step, the subseed is only reported, nothing about variation is written.
  r = c.post("/sdapi/v1/txt2img", a1111_body({{"subseed", 7}, {"n_iter", 2}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ts.generator->calls()[4].seed, 5);
  EXPECT_EQ(ts.generator->calls()[5].seed, 6);
  EXPECT_EQ(ts.generator->calls()[5].subseed_strength, 0.0);
  EXPECT_EQ(info_of(r)["all_subseeds"], nlohmann::json::array({7, 8}));
  EXPECT_FALSE(parse_a1111_parameters(info_of(r)["infotexts"][0].get<std::string>())
                   .get("Variation seed")
                   .has_value());
}

TEST(A1111Hires, F13_enable_hr_maps_hr_fields_and_reports_them_as_a1111) {
  A1111Service ts;
  Client c = ts.client();
  c.consent();
  auto r = c.post("/sdapi/v1/txt2img", a1111_body({{"enable_hr", true},
                                                   {"hr_scale", 2},
                                                   {"hr_upscaler", "Latent (nearest)"},
                                                   {"hr_second_pass_steps", 1},
                                                   {"denoising_strength", 0.55},
                                                   {"hr_sampler_name", "Euler a"},
                                                   {"hr_scheduler", "Karras"},
                                                   {"hr_prompt", "a lighthouse, detailed"},
                                                   {"hr_negative_prompt", ""},
                                                   {"hr_checkpoint_name", "Use same checkpoint"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  const GenerationParams p = ts.generator->calls().at(0);
  ASSERT_TRUE(p.hires.has_value());
  EXPECT_EQ(p.width, 64);  // the first pass's size; the target comes from the scale
  EXPECT_EQ(p.hires->scale, 2.0);
  EXPECT_EQ(p.hires->upscaler, "Latent (nearest)");
  EXPECT_EQ(p.hires->steps, 1);
  EXPECT_EQ(p.hires->denoise, 0.55);
  EXPECT_EQ(p.hires->sampler, "euler_ancestral");
  EXPECT_EQ(p.hires->scheduler, "karras");
  EXPECT_EQ(p.hires->prompt, "a lighthouse, detailed");
  EXPECT_FALSE(p.hires->negative_prompt.has_value());  // "" is "the same"
  const auto info = info_of(r);
  EXPECT_EQ(info["denoising_strength"], 0.55);
  EXPECT_EQ(info["extra_generation_params"]["Hires upscale"], "2");
  EXPECT_EQ(info["extra_generation_params"]["Hires upscaler"], "Latent (nearest)");
  EXPECT_EQ(info["extra_generation_params"]["Hires sampler"], "Euler a");
  const A1111Parameters t = parse_a1111_parameters(info["infotexts"][0].get<std::string>());
  EXPECT_EQ(t.get("Size"), "64x64");
  EXPECT_EQ(t.get("Denoising strength"), "0.55");
  EXPECT_EQ(t.get("Hires steps"), "1");
  EXPECT_EQ(t.get("Hires schedule type"), "Karras");
  EXPECT_EQ(t.get("Hires prompt"), "a lighthouse, detailed");

  // Without enable_hr the hr_* fields are A1111's no-op.
  r = c.post("/sdapi/v1/txt2img", a1111_body({{"hr_scale", 3}, {"hr_upscaler", "Bogus"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(ts.generator->calls().at(1).hires.has_value());
}

TEST(A1111Hires, F13_bad_hires_and_variation_values_are_refused_naming_the_field) {
  A1111Service ts;
  Client c = ts.client();
  c.consent();
  const std::vector<std::pair<nlohmann::json, std::string>> refused = {
      {{{"enable_hr", true}, {"hr_upscaler", "Bogus"}}, "hr_upscaler"},
      {{{"enable_hr", true}, {"hr_scale", 0.5}}, "hr_scale"},
      {{{"enable_hr", true}, {"hr_scale", 8}, {"width", 512}, {"height", 512}}, "hr_scale"},
      {{{"enable_hr", true}, {"hr_resize_x", 4096}, {"hr_resize_y", 64}}, "hr_resize_x"},
      {{{"enable_hr", true}, {"denoising_strength", 0}}, "denoising_strength"},
      {{{"enable_hr", true}, {"hr_second_pass_steps", -1}}, "hr_second_pass_steps"},
      {{{"enable_hr", true}, {"hr_sampler_name", "Nope"}}, "hr_sampler_name"},
      {{{"subseed_strength", -0.1}}, "subseed_strength"},
      {{{"subseed", -2}}, "subseed"},
  };
  for (const auto& [extra, field] : refused) {
    auto r = c.post("/sdapi/v1/txt2img", a1111_body(extra));
    EXPECT_EQ(r.status, 400) << extra.dump() << " -> " << r.body;
    EXPECT_EQ(r.json()["field"], field) << extra.dump() << " -> " << r.body;
  }
  auto r =
      c.post("/sdapi/v1/img2img",
             a1111_body({{"init_images", {testing::b64(testing::split_png(64, 64, 64, 90, 90))}},
                         {"enable_hr", true}}));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.json()["field"], "enable_hr");
  EXPECT_TRUE(ts.generator->calls().empty());
}

TEST(A1111Hires, F13_upscaler_lists_name_what_the_generator_runs) {
  A1111Service ts;
  Client c = ts.client();
  auto up = c.get("/sdapi/v1/upscalers");
  ASSERT_EQ(up.status, 200) << up.body;
  ASSERT_EQ(up.json().size(), 2u);
  EXPECT_EQ(up.json()[0]["name"], "None");
  EXPECT_EQ(up.json()[1]["name"], "Lanczos");
  EXPECT_TRUE(up.json()[0].contains("model_name"));
  auto latent = c.get("/sdapi/v1/latent-upscale-modes");
  ASSERT_EQ(latent.status, 200) << latent.body;
  EXPECT_EQ(latent.json(),
            nlohmann::json::array({{{"name", "Latent"}}, {{"name", "Latent (nearest)"}}}));
}

TEST(A1111Hires, P8_hires_prompt_is_screened_like_the_prompt) {
  A1111Service ts;
  Client c = ts.client();
  c.consent();
  auto r = c.post("/sdapi/v1/txt2img",
                  a1111_body({{"enable_hr", true}, {"hr_prompt", "porn of the lighthouse"}}));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.json()["error"], "prompt_blocked") << r.body;
  EXPECT_EQ(r.json()["field"], "hr_prompt") << r.body;
  EXPECT_EQ(r.body.find("porn"), std::string::npos) << "the error never echoes the prompt";
  EXPECT_TRUE(ts.generator->calls().empty());
}

}  // namespace
}  // namespace pixforge::service
