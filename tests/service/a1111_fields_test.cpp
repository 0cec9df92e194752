// A1111 fields beyond the basics, against the real server on loopback: the checkpoint as
// sd-models lists it (short hash, sha256 computed in the background), every field tools send
// either honoured, accepted as A1111's own no-op, or refused naming it; img2img masks; the
// native API taking A1111 sampler and schedule names.
#include <gtest/gtest.h>
#include <sodium.h>

#include <fstream>
#include <thread>

#include "../../service/src/a1111_inpaint.h"
#include "../../service/src/a1111_mask.h"
#include "../../service/src/a1111_model.h"
#include "a1111_harness.h"

namespace pixforge::service {
namespace {

using testing::A1111Service;
using testing::Client;

using testing::a1111_body;

std::string write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string sodium_sha256_hex(const std::string& bytes) {
  unsigned char d[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(d, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, d, sizeof d);
  return hex;
}

// --- sd-models: title, hash, sha256, filename ---------------------------------------------

TEST(A1111Models, F13_file_sha256_matches_known_digests) {
  testing::TempDir dir;
  const std::atomic<bool> go{false};
  // FIPS 180-2 test vector, and a 3 MiB file (several 1 MiB reads) against libsodium.
  EXPECT_EQ(file_sha256(write_file(dir.path() + "/abc", "abc"), go),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string big(3u << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 2654435761u >> 13);
  EXPECT_EQ(file_sha256(write_file(dir.path() + "/big", big), go), sodium_sha256_hex(big));
  const std::atomic<bool> stop{true};
  EXPECT_EQ(file_sha256(dir.path() + "/big", stop), "");
  EXPECT_THROW(file_sha256(dir.path() + "/missing", go), std::runtime_error);
}

TEST(A1111Models, F13_sd_models_lists_title_hash_sha256_and_no_server_path) {
  testing::TempDir models;
  std::string bytes(2u << 20, 'x');
  const std::string sha = sodium_sha256_hex(bytes);
  const std::string file = write_file(models.path() + "/tiny-sd.safetensors", bytes);
  A1111Service ts(testing::test_config(), sha.substr(0, 10), file);
  Client c = ts.client();
  // The sha256 is computed in the background: the list answers at once (sha256 null until it
  // is done, as A1111 lists a checkpoint not yet hashed) and has it soon after.
  nlohmann::json entry;
  for (int i = 0; i < 500; ++i) {
    const auto list = c.get("/sdapi/v1/sd-models").json();
    ASSERT_EQ(list.size(), 1u);
    entry = list[0];
    if (!entry["sha256"].is_null()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(entry["sha256"], sha);
  EXPECT_EQ(entry["hash"], sha.substr(0, 10));
  EXPECT_EQ(entry["title"], "tiny-sd.safetensors [" + sha.substr(0, 10) + "]");
  EXPECT_EQ(entry["model_name"], "tiny-sd");
  EXPECT_EQ(entry["filename"], "tiny-sd.safetensors");  // never the server's directory
  EXPECT_TRUE(entry["config"].is_null());
  const auto options = c.get("/sdapi/v1/options").json();
  EXPECT_EQ(options["sd_model_checkpoint"], entry["title"]);
  EXPECT_EQ(options["sd_checkpoint_hash"], sha);
  // Tools select the checkpoint by title, file name, model name, short hash or sha256.
  c.consent();
  for (const std::string& name :
       {entry["title"].get<std::string>(), std::string("tiny-sd.safetensors"),
        std::string("tiny-sd"), sha.substr(0, 10), sha}) {
    EXPECT_EQ(c.post("/sdapi/v1/options", {{"sd_model_checkpoint", name}}).status, 200) << name;
    auto r = c.post("/sdapi/v1/txt2img",
                    a1111_body({{"override_settings", {{"sd_model_checkpoint", name}}}}));
    EXPECT_EQ(r.status, 200) << name << r.body;
  }
  auto other =
      c.post("/sdapi/v1/txt2img",
             a1111_body({{"override_settings", {{"sd_model_checkpoint", "sdxl.safetensors"}}}}));
  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(other.json()["field"], "override_settings.sd_model_checkpoint");
  // info and the infotext carry the short hash, as A1111's "Model hash".
  auto r = c.post("/sdapi/v1/txt2img", a1111_body());
  const auto info = nlohmann::json::parse(r.json()["info"].get<std::string>());
  EXPECT_EQ(info["sd_model_hash"], sha.substr(0, 10));
  EXPECT_NE(info["infotexts"][0].get<std::string>().find("Model hash: " + sha.substr(0, 10)),
            std::string::npos);
}

// --- fields: honoured, no-op, refused ---------------------------------------------------------

TEST(A1111Fields, F13_fields_a1111_itself_ignores_here_are_accepted) {
  A1111Service ts;
  Client c = ts.client();
  c.consent();
  const std::vector<nlohmann::json> accepted = {
      {{"styles", {"cinematic", "my style"}}},  // A1111 skips styles it does not have
      {{"save_images", true}},
      {{"do_not_save_samples", true}, {"do_not_save_grid", true}},
      {{"restore_faces", false}, {"tiling", false}, {"enable_hr", false}},
      {{"hr_scale", 2}, {"hr_upscaler", "Latent"}, {"hr_second_pass_steps", 10}},
      {{"script_name", ""}, {"script_args", nlohmann::json::array()}},
      {{"script_name", nullptr}, {"alwayson_scripts", nlohmann::json::object()}},
      {{"subseed", 3}, {"subseed_strength", 0}, {"seed_resize_from_w", -1}},
      {{"override_settings", {{"CLIP_stop_at_last_layers", 1}}},
       {"override_settings_restore_afterwards", true}},
      {{"eta", 0.5}, {"sampler_name", "Euler"}},  // Euler takes no eta, in A1111 neither
      {{"eta", 1}, {"sampler_name", "Euler a"}},
      {{"s_churn", 0}, {"s_noise", 1}, {"s_tmin", 0}, {"s_tmax", 0}, {"s_min_uncond", 0}},
      {{"refiner_checkpoint", ""}, {"refiner_switch_at", 0.8}, {"force_task_id", "abc"}},
      {{"sampler_index", "Euler a"}, {"denoising_strength", 0}},
  };
  for (const auto& extra : accepted) {
    auto r = c.post("/sdapi/v1/txt2img", a1111_body(extra));
    EXPECT_EQ(r.status, 200) << extra.dump() << " -> " << r.body;
  }
  auto styled = c.post("/sdapi/v1/txt2img", a1111_body({{"styles", {"cinematic"}}}));
  const auto info = nlohmann::json::parse(styled.json()["info"].get<std::string>());
  EXPECT_EQ(info["styles"], nlohmann::json::array({"cinematic"}));
  EXPECT_EQ(ts.generator->calls().back().prompt, "a lighthouse");  // no style text added
}

TEST(A1111Fields, F13_fields_this_server_cannot_honour_are_refused_naming_them) {
  A1111Service ts;
  Client c = ts.client();
  c.consent();
  const std::vector<std::pair<nlohmann::json, std::string>> refused = {
      {{{"enable_hr", true}, {"hr_checkpoint_name", "other.safetensors"}}, "hr_checkpoint_name"},
      {{{"enable_hr", true}, {"firstphase_width", 512}}, "firstphase_width"},
      {{{"restore_faces", true}}, "restore_faces"},
      {{{"tiling", true}}, "tiling"},
      {{{"subseed_strength", 1.5}}, "subseed_strength"},
      {{{"seed_resize_from_w", 4}}, "seed_resize_from_w"},
      {{{"script_name", "x/y/z plot"}}, "script_name"},
      {{{"alwayson_scripts", {{"controlnet", {{"args", nlohmann::json::array()}}}}}},
       "alwayson_scripts"},
      {{{"refiner_checkpoint", "refiner.safetensors"}}, "refiner_checkpoint"},
      {{{"infotext", "a cat\nSteps: 20"}}, "infotext"},
      {{{"s_churn", 0.5}}, "s_churn"},
      {{{"s_noise", 0.9}}, "s_noise"},
      {{{"s_min_uncond", 0.2}}, "s_min_uncond"},
      {{{"eta", 0.5}, {"sampler_name", "Euler a"}}, "eta"},
      {{{"eta", 0.5}, {"sampler_name", "DDIM"}}, "eta"},
      {{{"styles", "cinematic"}}, "styles"},
      {{{"override_settings", {{"CLIP_stop_at_last_layers", 2}}}},
       "override_settings.CLIP_stop_at_last_layers"},
      {{{"override_settings", {{"some_extension_option", 1}}}},
       "override_settings.some_extension_option"},
      {{{"send_images", "yes"}}, "send_images"},
  };
  for (const auto& [extra, field] : refused) {
    auto r = c.post("/sdapi/v1/txt2img", a1111_body(extra));
    EXPECT_EQ(r.status, 400) << extra.dump();
    EXPECT_EQ(r.json()["field"], field) << r.body;
  }
  EXPECT_TRUE(ts.generator->calls().empty());  // nothing ran
  // ... and nothing was stored or charged: the account's gallery is empty.
  EXPECT_TRUE(c.get("/api/v1/gallery").json().value("images", nlohmann::json::array()).empty());
}

// --- img2img masks --------------------------------------------------------------------------

nlohmann::json inpaint_body(nlohmann::json extra) {
  nlohmann::json b =
      a1111_body({{"init_images", {testing::b64(testing::split_png(64, 64, 64, 90, 90))}},
                  {"mask", testing::b64(testing::split_png(64, 64, 32, 0, 255))},
                  {"inpainting_fill", 1},
                  {"inpaint_full_res", false},
                  {"denoising_strength", 0.6}});
  if (extra.is_object()) b.update(extra);
  return b;
}

TEST(A1111Inpaint, F13_mask_blur_invert_and_strength_reach_the_generator) {
  A1111Service ts;
  Client c = ts.client();
  c.consent();
  auto r = c.post("/sdapi/v1/img2img", inpaint_body({{"mask_blur", 0}}));
  ASSERT_EQ(r.status, 200) << r.body;
  auto p = ts.generator->calls().back();
  ASSERT_TRUE(p.mask && p.init_image);
  EXPECT_DOUBLE_EQ(p.strength, 0.6);
  EXPECT_EQ(p.mask->pixels[(10 * 64 + 31) * 3], 0);    // left half kept
  EXPECT_EQ(p.mask->pixels[(10 * 64 + 32) * 3], 255);  // right half (white) repainted
  // A1111's default blur (4): the edge is soft, far pixels are untouched.
  ASSERT_EQ(c.post("/sdapi/v1/img2img", inpaint_body({})).status, 200);
  p = ts.generator->calls().back();
  const auto at = [&](int x) { return p.mask->pixels[(10 * 64 + x) * 3]; };
  EXPECT_GT(at(31), 60);
  EXPECT_LT(at(32), 195);
  EXPECT_EQ(at(0), 0);
  EXPECT_EQ(at(63), 255);
  // inpainting_mask_invert: the black part is repainted.
  ASSERT_EQ(
      c.post("/sdapi/v1/img2img", inpaint_body({{"mask_blur", 0}, {"inpainting_mask_invert", 1}}))
          .status,
      200);
  p = ts.generator->calls().back();
  EXPECT_EQ(p.mask->pixels[(10 * 64 + 31) * 3], 255);
  EXPECT_EQ(p.mask->pixels[(10 * 64 + 32) * 3], 0);
  // The images stay out of the echo unless include_init_images asks for them.
  EXPECT_TRUE(r.json()["parameters"]["mask"].is_null());
  auto with = c.post("/sdapi/v1/img2img", inpaint_body({{"include_init_images", true}}));
  EXPECT_TRUE(with.json()["parameters"]["init_images"].is_array());
}

// A1111's API defaults (no inpainting_fill / inpaint_full_res sent): fill, only masked, padding
// 0 (the API's; the UI's is 32), blur 4, with the original pasted back; every value maps.
TEST(A1111Inpaint, F13_a1111_default_inpainting_request_maps_to_fill_only_masked) {
  A1111Service ts;
  Client c = ts.client();
  c.consent();
  auto b = inpaint_body({});
  b.erase("inpainting_fill");
  b.erase("inpaint_full_res");
  auto r = c.post("/sdapi/v1/img2img", b);
  ASSERT_EQ(r.status, 200) << r.body;
  auto p = ts.generator->calls().back();
  ASSERT_TRUE(p.mask && p.inpaint);
  EXPECT_EQ(p.inpaint->content, MaskedContent::Fill);
  EXPECT_TRUE(p.inpaint->only_masked);
  EXPECT_EQ(p.inpaint->padding, 0);
  EXPECT_TRUE(p.inpaint->overlay);
  EXPECT_TRUE(p.inpaint->round_mask);  // mask_round: A1111 rounds the latent mask by default
  // The infotext records what A1111 records for these choices.
  const auto info = nlohmann::json::parse(r.json()["info"].get<std::string>());
  const std::string text = info["infotexts"][0];
  for (const char* key : {"Mask blur: 4", "Inpaint area: Only masked", "Masked area padding: 0",
                          "Masked content: fill"})
    EXPECT_NE(text.find(key), std::string::npos) << key << " in " << text;

  const std::vector<std::pair<int, MaskedContent>> fills = {{0, MaskedContent::Fill},
                                                            {1, MaskedContent::Original},
                                                            {2, MaskedContent::LatentNoise},
                                                            {3, MaskedContent::LatentNothing}};
  for (const auto& [fill, content] : fills) {
    ASSERT_EQ(c.post("/sdapi/v1/img2img", inpaint_body({{"inpainting_fill", fill}})).status, 200);
    EXPECT_EQ(ts.generator->calls().back().inpaint->content, content) << fill;
  }
  // inpaint_full_res as a bool or as the UI's 0/1, and the padding.
  for (const auto& [value, only_masked] : std::vector<std::pair<nlohmann::json, bool>>{
           {false, false}, {true, true}, {0, false}, {1, true}}) {
    ASSERT_EQ(c.post("/sdapi/v1/img2img",
                     inpaint_body({{"inpaint_full_res", value}, {"inpaint_full_res_padding", 7}}))
                  .status,
              200);
    p = ts.generator->calls().back();
    EXPECT_EQ(p.inpaint->only_masked, only_masked) << value.dump();
    EXPECT_EQ(p.inpaint->padding, 7);
  }
  ASSERT_EQ(c.post("/sdapi/v1/img2img", inpaint_body({{"mask_round", false}})).status, 200);
  EXPECT_FALSE(ts.generator->calls().back().inpaint->round_mask);
  // Original content over the whole picture: A1111 records neither (only the blur).
  r = c.post("/sdapi/v1/img2img", inpaint_body({}));
  const std::string plain =
      nlohmann::json::parse(r.json()["info"].get<std::string>())["infotexts"][0];
  EXPECT_EQ(plain.find("Masked content"), std::string::npos);
  EXPECT_EQ(plain.find("Inpaint area"), std::string::npos);
  // No mask: no inpainting options at all.
  auto img2img = inpaint_body({});
  img2img.erase("mask");
  ASSERT_EQ(c.post("/sdapi/v1/img2img", img2img).status, 200);
  EXPECT_FALSE(ts.generator->calls().back().inpaint.has_value());
}

TEST(A1111Inpaint, F13_inpainting_fields_out_of_range_are_refused_naming_the_field) {
  A1111Service ts;
  Client c = ts.client();
  c.consent();
  const std::vector<std::pair<nlohmann::json, std::string>> refused = {
      {{{"inpainting_fill", -1}}, "inpainting_fill"},
      {{{"inpainting_fill", 4}}, "inpainting_fill"},
      {{{"inpainting_fill", "fill"}}, "inpainting_fill"},
      {{{"inpaint_full_res", 2}}, "inpaint_full_res"},
      {{{"inpaint_full_res", "yes"}}, "inpaint_full_res"},
      {{{"inpaint_full_res_padding", -1}}, "inpaint_full_res_padding"},
      {{{"inpaint_full_res_padding", 5000}}, "inpaint_full_res_padding"},
      {{{"mask_round", 1.5}}, "mask_round"},
      {{{"mask_blur", 65}}, "mask_blur"},
      {{{"resize_mode", 1}}, "resize_mode"},
      {{{"latent_mask", "abc"}}, "latent_mask"},
      {{{"initial_noise_multiplier", 0.9}}, "initial_noise_multiplier"},
      {{{"mask", "not base64!"}}, "mask"},
      {{{"mask", testing::b64(testing::split_png(32, 32, 16, 0, 255))}}, "mask"},  // size
      {{{"init_images",
         {testing::b64(testing::split_png(64, 64, 1, 1, 1)),
          testing::b64(testing::split_png(64, 64, 1, 1, 1))}}},
       "init_images"},
  };
  for (const auto& [extra, field] : refused) {
    auto r = c.post("/sdapi/v1/img2img", inpaint_body(extra));
    EXPECT_EQ(r.status, 400) << extra.dump().substr(0, 80);
    EXPECT_EQ(r.json()["field"], field) << r.body;
  }
  EXPECT_TRUE(ts.generator->calls().empty());
}

// A queued job keeps its inpainting options through the sealed parameters (restart, requeue).
TEST(A1111Inpaint, F13_inpaint_options_survive_the_stored_job_parameters) {
  InpaintOptions o;
  o.content = MaskedContent::LatentNothing;
  o.only_masked = true;
  o.padding = 12;
  o.overlay = true;
  o.round_mask = false;
  o.mask_blur = 3;
  o.invert = true;
  const InpaintOptions back = inpaint_from_json(nlohmann::json::parse(inpaint_json(o).dump()));
  EXPECT_EQ(back.content, o.content);
  EXPECT_EQ(back.only_masked, o.only_masked);
  EXPECT_EQ(back.padding, o.padding);
  EXPECT_EQ(back.overlay, o.overlay);
  EXPECT_EQ(back.mask_blur, o.mask_blur);
  EXPECT_EQ(back.invert, o.invert);
  EXPECT_EQ(back.round_mask, o.round_mask);
  EXPECT_THROW(inpaint_from_json({{"content", "blur"}}), std::exception);
  const auto keys = a1111_inpaint_keys(o);
  ASSERT_EQ(keys.size(), 5u);
  EXPECT_EQ(keys[0], (std::pair<std::string, std::string>{"Mask mode", "Inpaint not masked"}));
  EXPECT_EQ(keys[4], (std::pair<std::string, std::string>{"Masked content", "latent nothing"}));
}

TEST(A1111Inpaint, F13_mask_blur_is_cv2s_gaussian) {
  // A step edge: the kernel for sigma 4 is 2 * int(2.5 * 4 + 0.5) + 1 = 21 taps wide, so
  // pixels 10 or more away from the edge stay as they were and the two sides mirror.
  Image m{64, 2, 3, {}};
  m.pixels.resize(64 * 2 * 3);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 64; ++x)
      for (int ch = 0; ch < 3; ++ch) m.pixels[(y * 64 + x) * 3 + ch] = x < 32 ? 0 : 255;
  blur_mask(m, 4, 4);
  const auto at = [&](int x) { return static_cast<int>(m.pixels[x * 3]); };
  EXPECT_EQ(at(21), 0);
  EXPECT_GT(at(22), 0);
  EXPECT_EQ(at(42), 255);
  EXPECT_LT(at(41), 255);
  for (int d = 0; d < 10; ++d) EXPECT_NEAR(at(31 - d) + at(32 + d), 255, 1) << d;
  EXPECT_NEAR(at(31), 255 * 0.45, 6);  // the CDF of N(0, 4) at -0.5 is 0.450
  // A constant mask stays constant at the borders (reflect-101), channels stay equal.
  Image flat{5, 5, 3, std::vector<std::uint8_t>(75, 200)};
  blur_mask(flat, 3, 1);
  for (auto v : flat.pixels) EXPECT_EQ(v, 200);
}

// --- the native API takes A1111 names too -----------------------------------------------------

TEST(NativeNames, F13_native_generate_accepts_a1111_and_engine_names) {
  A1111Service ts;
  Client c = ts.client();
  c.consent();
  const std::vector<std::tuple<std::string, std::string, std::string, std::string>> cases = {
      {"Euler a", "", "euler_ancestral", "normal"},
      {"euler_ancestral", "Karras", "euler_ancestral", "karras"},
      {"DPM++ 2M Karras", "", "dpmpp_2m", "karras"},
      {"DPM++ 2M", "", "dpmpp_2m", "normal"},  // the native default schedule
      {"DPM++ 2M", "Automatic", "dpmpp_2m", "karras"},
      {"k_dpmpp_2m", "karras", "dpmpp_2m", "karras"},
      {"", "", "euler", "normal"},
  };
  for (const auto& [sampler, scheduler, want_sampler, want_scheduler] : cases) {
    nlohmann::json b = {{"prompt", "x"}, {"steps", 1}, {"width", 64}, {"height", 64}};
    if (!sampler.empty()) b["sampler"] = sampler;
    if (!scheduler.empty()) b["scheduler"] = scheduler;
    auto r = c.post("/api/v1/generate", b);
    ASSERT_EQ(r.status, 202) << r.body;
    testing::wait_for_job(c, r.json()["id"]);
    const auto p = ts.generator->calls().back();
    EXPECT_EQ(p.sampler, want_sampler) << sampler << " / " << scheduler;
    EXPECT_EQ(p.scheduler, want_scheduler) << sampler << " / " << scheduler;
  }
  // Native batches keep one noise draw per batch (as ComfyUI): one run of n images.
  auto n2 =
      c.post("/api/v1/generate",
             {{"prompt", "x"}, {"steps", 1}, {"width", 64}, {"height", 64}, {"n", 2}, {"seed", 9}});
  ASSERT_EQ(n2.status, 202) << n2.body;
  testing::wait_for_job(c, n2.json()["id"]);
  EXPECT_EQ(ts.generator->calls().back().batch, 2);
  EXPECT_EQ(ts.generator->calls().back().seed, 9);
}

TEST(NativeNames, F13_unknown_names_are_a_400_listing_the_accepted_values) {
  A1111Service ts;
  Client c = ts.client();
  c.consent();
  const std::size_t runs = ts.generator->calls().size();
  auto bad = c.post("/api/v1/generate", {{"prompt", "x"}, {"sampler", "Restart"}});
  ASSERT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json()["error"]["field"], "sampler");
  const std::string message = bad.json()["error"]["message"];
  EXPECT_NE(message.find("euler_ancestral (Euler a, k_euler_a"), std::string::npos) << message;
  EXPECT_NE(message.find("ddim (DDIM)"), std::string::npos) << message;
  EXPECT_EQ(message.find("Restart"), std::string::npos);  // the value sent is not echoed
  auto sched = c.post("/api/v1/generate", {{"prompt", "x"}, {"scheduler", "Exponential"}});
  ASSERT_EQ(sched.status, 400);
  EXPECT_EQ(sched.json()["error"]["field"], "scheduler");
  const std::string smessage = sched.json()["error"]["message"];
  EXPECT_NE(smessage.find("karras (Karras)"), std::string::npos) << smessage;
  EXPECT_NE(smessage.find("Automatic"), std::string::npos) << smessage;
  // The same list on the A1111 route.
  auto a = c.post("/sdapi/v1/txt2img", a1111_body({{"sampler_name", "Heun"}}));
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.json()["detail"].get<std::string>().find("dpmpp_2m (DPM++ 2M"), std::string::npos);
  EXPECT_EQ(ts.generator->calls().size(), runs);
}

}  // namespace
}  // namespace pixforge::service
