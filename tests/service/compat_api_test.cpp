// F13 compatibility: OpenAI images API shapes and an A1111-style JSON client; F15 parameters
// chunk on outputs; P4 uploads in PNG, JPEG and WebP, decoded, checked and stripped.
#include <gtest/gtest.h>
#include <zlib.h>

#include <set>

#include "../../service/src/a1111_names.h"
#include "../../service/src/png_io.h"
#include "../../service/src/uploads.h"
#include "api_harness.h"
#include "pixforge/image/a1111_parameters.h"
#include "pixforge/image/codec.h"
#include "pixforge/service/errors.h"

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

// --- helpers for the tests below --------------------------------------------------------------

// A smooth RGB gradient, `w` x `h`, as the engine's Image (what the codecs encode).
pixforge::Image gradient(int w, int h) {
  pixforge::Image img = pixforge::Image::blank(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      std::uint8_t* px = img.row(y) + x * 3;
      px[0] = static_cast<std::uint8_t>(x * 4);
      px[1] = static_cast<std::uint8_t>(y * 4);
      px[2] = 128;
    }
  return img;
}

std::string encoded(const pixforge::Image& img, pixforge::ImageFormat format,
                    bool lossless = false) {
  pixforge::EncodeOptions o;
  o.quality = 95;
  o.lossless = lossless;
  const auto bytes = pixforge::encode_image(img, format, o);
  return std::string(bytes.begin(), bytes.end());
}

void put_u16(std::string& s, unsigned v) {  // little-endian TIFF
  s += static_cast<char>(v & 0xff);
  s += static_cast<char>((v >> 8) & 0xff);
}
void put_u32(std::string& s, std::uint32_t v) {
  put_u16(s, v & 0xffff);
  put_u16(s, v >> 16);
}
void put_entry(std::string& s, unsigned tag, unsigned type, std::uint32_t count,
               std::uint32_t value) {
  put_u16(s, tag);
  put_u16(s, type);
  put_u32(s, count);
  put_u32(s, value);
}

// A JPEG as a phone writes it: an EXIF APP1 segment with Orientation 6 (rotate 90 degrees
// clockwise) and a GPS IFD (latitude ref + a map datum string that is easy to search for).
std::string jpeg_with_exif_gps(int w, int h, const std::string& gps_marker) {
  std::string tiff = "II";
  put_u16(tiff, 42);
  put_u32(tiff, 8);                   // IFD0
  put_u16(tiff, 2);                   // IFD0: 2 entries, then next-IFD 0 -> ends at 38
  put_entry(tiff, 0x0112, 3, 1, 6);   // Orientation: 6
  put_entry(tiff, 0x8825, 4, 1, 38);  // GPSInfo IFD at 38
  put_u32(tiff, 0);
  put_u16(tiff, 2);                    // GPS IFD: ends at 68
  put_entry(tiff, 0x0001, 2, 2, 'N');  // GPSLatitudeRef "N"
  put_entry(tiff, 0x0012, 2, static_cast<std::uint32_t>(gps_marker.size() + 1), 68);
  put_u32(tiff, 0);
  tiff += gps_marker;
  tiff += '\0';
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  std::string app1 = "\xff\xe1";
  app1 += static_cast<char>(((payload.size() + 2) >> 8) & 0xff);
  app1 += static_cast<char>((payload.size() + 2) & 0xff);
  app1 += payload;
  const std::string jpeg = encoded(gradient(w, h), pixforge::ImageFormat::Jpeg);
  return jpeg.substr(0, 2) + app1 + jpeg.substr(2);  // right after SOI
}

// A PNG whose IHDR declares `w` x `h` (CRC fixed up) over a tiny image: a decompression bomb
// as far as a decoder that trusts the header is concerned.
std::string png_declaring(std::uint32_t w, std::uint32_t h) {
  std::string png = encoded(gradient(8, 8), pixforge::ImageFormat::Png);
  auto be32 = [&](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) png[at + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
  };
  be32(16, w);  // signature (8) + length (4) + "IHDR" (4)
  be32(20, h);
  const auto* ihdr = reinterpret_cast<const Bytef*>(png.data() + 12);
  be32(29, static_cast<std::uint32_t>(crc32(0, ihdr, 17)));  // type + 13 data bytes
  return png;
}

std::string decrypted(TestService& ts, const BlobRow& b) {
  return ts.service().vault().open_for(b.owner_id, *ts.service().blobs().get(b.id), "blob:" + b.id);
}

std::map<std::string, std::string> png_text_of(const std::string& png) {
  return pixforge::read_png_text({reinterpret_cast<const std::uint8_t*>(png.data()), png.size()});
}

std::string decode_b64(const std::string& text) { return base64_decode(text, "test"); }

nlohmann::json a1111_body(nlohmann::json extra = nlohmann::json::object()) {
  nlohmann::json b = {{"prompt", "a lighthouse, (dusk:1.2)"},
                      {"negative_prompt", "blurry"},
                      {"steps", 2},
                      {"width", 64},
                      {"height", 64},
                      {"seed", 42},
                      {"cfg_scale", 7.5}};
  b.update(extra);
  return b;
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
  const std::string origin = "http://127.0.0.1:" + std::to_string(ts.port);
  ASSERT_EQ(url.rfind(origin, 0), 0u) << url;
  EXPECT_EQ(api.get(url.substr(origin.size())).status, 200);
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
  // OpenAI's mask: transparent where the image is edited (here the left half).
  pixforge::Image mask = pixforge::to_rgba(gradient(64, 64));
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 32; ++x) mask.row(y)[x * 4 + 3] = 0;
  httplib::MultipartFormDataItems items = {
      {"image", png, "in.png", "image/png"},
      {"mask", encoded(mask, pixforge::ImageFormat::Png), "mask.png", "image/png"},
      {"prompt", "make it blue", "", ""},
      {"response_format", "b64_json", "", ""},
  };
  auto r = web.http().Post("/v1/images/edits", {{"Authorization", "Bearer " + key}}, items);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(nlohmann::json::parse(r->body)["data"].size(), 1u);
  ASSERT_TRUE(ts.generator->last_params.init_image);
  ASSERT_TRUE(ts.generator->last_params.mask);
  EXPECT_EQ(ts.generator->last_params.width, 64);
  // The Generator gets the canonical mask: grey, 255 where to regenerate, 0 where to keep.
  const Image& m = *ts.generator->last_params.mask;
  EXPECT_EQ(m.channels, 3);
  EXPECT_EQ(m.pixels[0], 255);                 // (0, 0): transparent in the upload
  EXPECT_EQ(m.pixels[(10 * 64 + 40) * 3], 0);  // (40, 10): opaque
  // An RGB mask cannot say where to edit: refused naming the field.
  items[1].content = png;
  auto rgb = web.http().Post("/v1/images/edits", {{"Authorization", "Bearer " + key}}, items);
  ASSERT_TRUE(rgb);
  EXPECT_EQ(rgb->status, 400);
  EXPECT_EQ(nlohmann::json::parse(rgb->body)["error"]["param"], "mask");
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
                                        {"sampler_name", "Euler a"},
                                        {"batch_size", 2},
                                        {"cfg_scale", 5}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  EXPECT_EQ(j["images"].size(), 2u);
  EXPECT_EQ(j["parameters"]["seed"], 42);
  EXPECT_EQ(nlohmann::json::parse(j["info"].get<std::string>())["sampler_name"], "Euler a");
  EXPECT_EQ(ts.generator->last_params.sampler, "euler_ancestral");
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
  EXPECT_EQ(samplers.size(), 3u);
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

// --- uploads (P4) ----------------------------------------------------------------------------

TEST(Uploads, P4_jpeg_with_exif_gps_is_oriented_then_stored_without_any_metadata) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  const std::string marker = "gps-marker-51.5007N";
  const std::string jpeg = jpeg_with_exif_gps(64, 32, marker);
  ASSERT_NE(jpeg.find(marker), std::string::npos);
  auto r = c.post("/sdapi/v1/img2img",
                  a1111_body({{"init_images", {"data:image/jpeg;base64," + testing::b64(jpeg)}},
                              {"denoising_strength", 0.5}}));
  ASSERT_EQ(r.status, 200) << r.body;
  // EXIF orientation 6 was applied to the pixels (64x32 became 32x64), then dropped.
  ASSERT_TRUE(ts.generator->last_params.init_image);
  EXPECT_EQ(ts.generator->last_params.init_image->width, 32);
  EXPECT_EQ(ts.generator->last_params.init_image->height, 64);
  EXPECT_TRUE(ts.generator->last_params.init_image->text.empty());
  std::set<std::string> kinds;
  for (const auto& b : ts.store().all_blobs()) {
    kinds.insert(b.kind);
    const std::string png = decrypted(ts, b);
    EXPECT_EQ(png.rfind("\x89PNG\r\n\x1a\n", 0), 0u) << b.kind << " is re-encoded as PNG";
    EXPECT_EQ(png.find(marker), std::string::npos) << b.kind;
    EXPECT_EQ(png.find("Exif"), std::string::npos) << b.kind;
    EXPECT_EQ(png.find("eXIf"), std::string::npos) << b.kind;
    const auto text = png_text_of(png);
    if (b.kind == "upload") {
      EXPECT_TRUE(text.empty());
    }
    // Outputs carry only generation parameters (P4), as the A1111 chunk.
    if (b.kind == "output") {
      EXPECT_EQ(text.size(), 1u) << "text chunks: " << text.size();
    }
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"upload", "output"}));
  const auto info = nlohmann::json::parse(r.json()["info"].get<std::string>());
  EXPECT_DOUBLE_EQ(info["denoising_strength"].get<double>(), 0.5);
  EXPECT_NE(info["infotexts"][0].get<std::string>().find("Denoising strength: 0.5"),
            std::string::npos);
  // The image the client gets back carries no EXIF either.
  const std::string out = decode_b64(r.json()["images"][0]);
  EXPECT_EQ(out.find(marker), std::string::npos);
  EXPECT_EQ(out.find("Exif"), std::string::npos);
}

TEST(Uploads, F13_png_jpeg_and_webp_uploads_decode_to_the_same_picture) {
  const Limits limits;
  const pixforge::Image src = gradient(48, 40);
  const Image png = decode_upload(encoded(src, pixforge::ImageFormat::Png), limits, "image");
  const Image webp =
      decode_upload(encoded(src, pixforge::ImageFormat::Webp, true), limits, "image");
  const Image jpeg = decode_upload(encoded(src, pixforge::ImageFormat::Jpeg), limits, "image");
  for (const Image* img : {&png, &webp, &jpeg}) {
    EXPECT_EQ(img->width, 48);
    EXPECT_EQ(img->height, 40);
  }
  EXPECT_EQ(png.pixels, src.pixels);   // lossless
  EXPECT_EQ(webp.pixels, src.pixels);  // lossless WebP
  // JPEG at quality 95 on a smooth gradient: chroma subsampling and DCT rounding move values by
  // a few levels; 16 of 255 catches a wrong channel order or orientation (errors of ~100).
  ASSERT_EQ(jpeg.channels, 3);
  int worst = 0;
  for (std::size_t i = 0; i < src.pixels.size(); ++i)
    worst = std::max(worst, std::abs(int(jpeg.pixels[i]) - int(src.pixels[i])));
  EXPECT_LE(worst, 16);
}

TEST(Uploads, P4_hostile_or_oversized_uploads_get_clear_errors) {
  Limits limits;
  auto status_of = [&](const std::string& bytes) -> std::pair<int, std::string> {
    try {
      decode_upload(bytes, limits, "init_image");
    } catch (const ApiError& e) {
      EXPECT_EQ(e.field(), "init_image");
      EXPECT_NE(std::string(e.what()).find("init_image"), std::string::npos) << e.what();
      return {e.status(), e.code()};
    }
    return {200, ""};
  };
  EXPECT_EQ(status_of("").first, 400);
  EXPECT_EQ(status_of("GIF89a\x01\x00\x01\x00").first, 415);
  EXPECT_EQ(status_of("plain text, not an image").second, "unsupported_image_format");
  const std::string png = encoded(gradient(32, 32), pixforge::ImageFormat::Png);
  EXPECT_EQ(status_of(png.substr(0, png.size() / 2)).first, 400);  // truncated
  const std::string jpeg = encoded(gradient(32, 32), pixforge::ImageFormat::Jpeg);
  EXPECT_EQ(status_of(jpeg.substr(0, 40)).first, 400);
  std::string webp = encoded(gradient(32, 32), pixforge::ImageFormat::Webp);
  webp.resize(30);
  EXPECT_EQ(status_of(webp).first, 400);
  // 60000 x 60000 declared in a few hundred bytes: refused before any allocation.
  EXPECT_EQ(status_of(png_declaring(60000, 60000)),
            std::make_pair(413, std::string("image_too_large")));
  limits.max_image_side = 100;  // one long side within the pixel budget
  EXPECT_EQ(status_of(encoded(gradient(128, 8), pixforge::ImageFormat::Png)).first, 413);
  EXPECT_EQ(status_of(encoded(gradient(128, 8), pixforge::ImageFormat::Jpeg)).first, 413);
  EXPECT_EQ(status_of(encoded(gradient(128, 8), pixforge::ImageFormat::Webp)).first, 413);
  EXPECT_EQ(status_of(encoded(gradient(96, 8), pixforge::ImageFormat::Png)).first, 200);
  limits.max_image_side = 4096;
  limits.max_image_pixels = 1000;  // the pixel budget alone
  EXPECT_EQ(status_of(encoded(gradient(40, 40), pixforge::ImageFormat::Jpeg)).first, 413);
}

TEST(Uploads, F13_openai_edits_accept_webp_and_jpeg) {
  TestService ts;
  Client web = ts.client();
  const std::string key = api_key(ts, web);
  for (const auto& [bytes, type] :
       {std::pair{encoded(gradient(64, 64), pixforge::ImageFormat::Webp), "image/webp"},
        std::pair{encoded(gradient(64, 64), pixforge::ImageFormat::Jpeg), "image/jpeg"}}) {
    httplib::MultipartFormDataItems items = {{"image", bytes, "in", type},
                                             {"prompt", "make it blue", "", ""},
                                             {"size", "64x64", "", ""},
                                             {"response_format", "b64_json", "", ""}};
    auto r = web.http().Post("/v1/images/edits", {{"Authorization", "Bearer " + key}}, items);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << type << ": " << r->body;
    EXPECT_EQ(ts.generator->last_params.init_image->width, 64) << type;
  }
}

// --- outputs carry the A1111 parameters chunk (F15) -------------------------------------------

TEST(Outputs, F15_outputs_carry_the_a1111_parameters_of_the_effective_job) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  auto r = c.post(
      "/sdapi/v1/txt2img",
      a1111_body({{"sampler_name", "DPM++ 2M"}, {"scheduler", "Karras"}, {"batch_size", 2}}));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json()["images"].size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const auto text = png_text_of(decode_b64(r.json()["images"][i]));
    ASSERT_EQ(text.count("parameters"), 1u);
    const auto info = pixforge::parse_a1111_parameters(text.at("parameters"));
    EXPECT_EQ(info.prompt, "a lighthouse, (dusk:1.2)");
    EXPECT_EQ(info.negative_prompt, "blurry");
    EXPECT_EQ(info.get("Steps"), "2");
    EXPECT_EQ(info.get("Sampler"), "DPM++ 2M");
    EXPECT_EQ(info.get("Schedule type"), "Karras");
    EXPECT_EQ(info.get("CFG scale"), "7.5");
    EXPECT_EQ(info.get("Seed"), std::to_string(42 + i));  // A1111: seed + image index
    EXPECT_EQ(info.get("Size"), "64x64");
    EXPECT_EQ(info.get("Model"), "test-gradient");
    EXPECT_EQ(info.get("Batch size"), "2");
    EXPECT_EQ(info.get("Batch pos"), std::to_string(i));
    EXPECT_EQ(info.get("RNG"), "CPU");
  }
  // A random seed (-1) is written as the seed that ran, so the PNG reproduces the image.
  auto rnd = c.post("/sdapi/v1/txt2img", a1111_body({{"seed", -1}}));
  ASSERT_EQ(rnd.status, 200) << rnd.body;
  const auto info = pixforge::parse_a1111_parameters(
      png_text_of(decode_b64(rnd.json()["images"][0])).at("parameters"));
  EXPECT_EQ(info.get("Seed"), std::to_string(ts.generator->last_params.seed));
  EXPECT_GE(ts.generator->last_params.seed, 0);
  // Stored encrypted: the prompt inside the chunk is not on disk in plaintext (P5).
  EXPECT_FALSE(testing::any_file_contains(ts.data_dir(), "lighthouse"));
}

TEST(Outputs, F15_embed_parameters_off_leaves_outputs_without_text) {
  ServiceConfig config = testing::test_config();
  config.privacy.embed_parameters = false;
  TestService ts(true, config);
  Client c = ts.client();
  c.consent();
  auto r = c.post("/sdapi/v1/txt2img", a1111_body());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(png_text_of(decode_b64(r.json()["images"][0])).empty());
  EXPECT_EQ(c.get("/sdapi/v1/options").json()["enable_pnginfo"], false);
  EXPECT_EQ(c.get("/api/v1/privacy").json()["outputs_embed_parameters"], false);
}

// --- A1111 names, lists, info, options ---------------------------------------------------------

TEST(A1111, F13_display_names_aliases_and_schedules_resolve_to_engine_names) {
  const std::vector<std::tuple<std::string, std::string, std::string, std::string>> cases = {
      // sampler_name, scheduler -> engine sampler, engine scheduler
      {"Euler a", "", "euler_ancestral", "normal"},
      {"k_euler_a", "", "euler_ancestral", "normal"},
      {"Euler", "", "euler", "normal"},
      {"Heun", "", "heun", "normal"},
      {"DPM2", "", "dpm_2", "karras"},
      {"DPM++ 2M", "", "dpmpp_2m", "karras"},  // A1111's Automatic for DPM++ 2M
      {"DPM++ 2M", "Automatic", "dpmpp_2m", "karras"},
      {"DPM++ 2M", "uniform", "dpmpp_2m", "normal"},
      {"DPM++ 2M Karras", "", "dpmpp_2m", "karras"},  // before A1111 1.9
      {"DPM++ 2M Karras", "Exponential", "dpmpp_2m", "exponential"},
      {"DPM++ SDE", "", "dpmpp_sde", "karras"},
      {"DPM++ 2M SDE", "", "dpmpp_2m_sde", "exponential"},
      {"DPM++ 2M SDE Karras", "", "dpmpp_2m_sde", "karras"},
      {"LCM", "", "lcm", "normal"},
      {"DDIM", "", "ddim", "normal"},
      {"Euler", "SGM Uniform", "euler", "sgm_uniform"},
      {"Euler", "ddim", "euler", "ddim_uniform"},  // A1111's "ddim" schedule
      {"euler", "karras", "euler", "karras"},      // engine names pass as they are
      {"", "", "euler", "normal"},
      {"Restart", "", "Restart", "normal"},  // unknown: left for validation to refuse
      {"Euler", "Align Your Steps", "euler", "Align Your Steps"},
  };
  for (const auto& [name, sched, sampler, scheduler] : cases) {
    const SamplerChoice got = resolve_a1111_sampler(name, sched);
    EXPECT_EQ(got.sampler, sampler) << name << " / " << sched;
    EXPECT_EQ(got.scheduler, scheduler) << name << " / " << sched;
  }
  EXPECT_EQ(sampler_label("euler_ancestral"), "Euler a");
  EXPECT_EQ(scheduler_label("ddim_uniform"), "DDIM");
}

TEST(A1111, F13_txt2img_runs_what_the_display_names_mean_and_refuses_the_rest) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  auto r = c.post("/sdapi/v1/txt2img", a1111_body({{"sampler_name", "DPM++ 2M Karras"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ts.generator->last_params.sampler, "dpmpp_2m");
  EXPECT_EQ(ts.generator->last_params.scheduler, "karras");
  r = c.post("/sdapi/v1/txt2img", a1111_body({{"sampler_index", "Euler"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ts.generator->last_params.sampler, "euler");
  EXPECT_EQ(ts.generator->last_params.scheduler, "normal");
  // Tools send denoising_strength 0 with txt2img (hires fix off).
  EXPECT_EQ(c.post("/sdapi/v1/txt2img", a1111_body({{"denoising_strength", 0}})).status, 200);
  const int runs = ts.generator->runs.load();
  auto heun = c.post("/sdapi/v1/txt2img", a1111_body({{"sampler_name", "Heun"}}));
  EXPECT_EQ(heun.status, 400);  // a real A1111 name this generator does not offer
  EXPECT_EQ(heun.json()["field"], "sampler");
  auto sched = c.post("/sdapi/v1/txt2img", a1111_body({{"scheduler", "Exponential"}}));
  EXPECT_EQ(sched.status, 400);
  EXPECT_EQ(sched.json()["field"], "scheduler");
  EXPECT_EQ(ts.generator->runs.load(), runs);
}

TEST(A1111, F13_samplers_and_schedulers_lists_have_a1111_shapes) {
  TestService ts;
  Client c = ts.client();
  const auto samplers = c.get("/sdapi/v1/samplers").json();
  ASSERT_EQ(samplers.size(), 3u);
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& s : samplers) by_name[s["name"]] = s;
  ASSERT_TRUE(by_name.count("Euler a")) << samplers.dump();
  const auto& aliases = by_name["Euler a"]["aliases"];
  EXPECT_NE(std::find(aliases.begin(), aliases.end(), "k_euler_a"), aliases.end());
  EXPECT_NE(std::find(aliases.begin(), aliases.end(), "euler_ancestral"), aliases.end());
  EXPECT_EQ(by_name["DPM++ 2M"]["options"]["scheduler"], "karras");
  EXPECT_TRUE(by_name["Euler"]["options"].is_object());
  const auto schedulers = c.get("/sdapi/v1/schedulers").json();
  std::set<std::string> names;
  for (const auto& s : schedulers) {
    names.insert(s["name"]);
    EXPECT_TRUE(s["label"].is_string());
    EXPECT_TRUE(s.contains("aliases") && s.contains("default_rho") &&
                s.contains("need_inner_model"));
  }
  EXPECT_EQ(names, (std::set<std::string>{"automatic", "normal", "uniform", "karras"}));
}

TEST(A1111, F13_info_and_parameters_are_what_a1111_returns) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  auto r = c.post("/sdapi/v1/txt2img",
                  a1111_body({{"seed", -1},
                              {"batch_size", 2},
                              {"sampler_name", "Euler a"},
                              {"override_settings", {{"CLIP_stop_at_last_layers", 1}}}}));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = r.json();
  ASSERT_TRUE(j["info"].is_string());
  const auto info = nlohmann::json::parse(j["info"].get<std::string>());
  // The last generator run made the second image, with the resolved seed + 1 (A1111's seeds).
  const auto ran = ts.generator->last_params.seed - 1;
  EXPECT_EQ(info["seed"], ran);
  EXPECT_EQ(info["all_seeds"], nlohmann::json::array({ran, ran + 1}));
  EXPECT_EQ(info["all_prompts"].size(), 2u);
  EXPECT_EQ(info["sampler_name"], "Euler a");
  EXPECT_EQ(info["sd_model_name"], "test-gradient");
  EXPECT_EQ(info["job_timestamp"].get<std::string>().size(), 14u);
  ASSERT_EQ(info["infotexts"].size(), 2u);
  const auto first = pixforge::parse_a1111_parameters(info["infotexts"][0].get<std::string>());
  EXPECT_EQ(first.get("Seed"), std::to_string(ran));
  // parameters echo the request as sent (seed -1 stays -1), defaults filled in.
  EXPECT_EQ(j["parameters"]["seed"], -1);
  EXPECT_EQ(j["parameters"]["sampler_name"], "Euler a");
  EXPECT_EQ(j["parameters"]["n_iter"], 1);
  EXPECT_TRUE(j["parameters"].contains("override_settings"));
}

TEST(A1111, F13_options_and_sd_models_have_the_shapes_tools_read) {
  TestService ts;
  Client c = ts.client();
  c.consent();
  const auto models = c.get("/sdapi/v1/sd-models").json();
  ASSERT_EQ(models.size(), 1u);
  for (const char* f : {"title", "model_name", "filename"}) EXPECT_TRUE(models[0][f].is_string());
  const auto options = c.get("/sdapi/v1/options").json();
  EXPECT_EQ(options["sd_model_checkpoint"], models[0]["title"]);
  EXPECT_EQ(options["samples_format"], "png");
  EXPECT_EQ(options["enable_pnginfo"], true);
  // Selecting the loaded checkpoint is fine; another one, or an unknown option, is refused.
  EXPECT_EQ(c.post("/sdapi/v1/options", {{"sd_model_checkpoint", "test-gradient"}}).status, 200);
  auto other = c.post("/sdapi/v1/options", {{"sd_model_checkpoint", "sdxl-base"}});
  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(other.json()["field"], "sd_model_checkpoint");
  auto unknown = c.post("/sdapi/v1/options", {{"some_option", 3}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.json()["error"], "unsupported_option");
}

// --- OpenAI details ---------------------------------------------------------------------------

TEST(OpenAI, F13_url_is_absolute_and_only_the_requester_can_fetch_it) {
  TestService ts;
  Client web = ts.client();
  Client api = ts.client();
  api.bearer = api_key(ts, web);
  auto r = api.post("/v1/images/generations", {{"prompt", "a fox"}, {"size", "64x64"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string url = r.json()["data"][0]["url"];
  const std::string origin = "http://127.0.0.1:" + std::to_string(ts.port);
  ASSERT_EQ(url.rfind(origin + "/api/v1/images/", 0), 0u) << url;
  auto img = api.get(url.substr(origin.size()));
  EXPECT_EQ(img.status, 200);
  EXPECT_EQ(img.header("Content-Type"), "image/png");
  Client stranger = ts.client();
  EXPECT_EQ(stranger.get(url.substr(origin.size())).status, 404);
  // A Host header that is not a plain host[:port] is not echoed into the URL.
  auto odd = api.post("/v1/images/generations", {{"prompt", "a fox"}, {"size", "64x64"}},
                      {{"Host", "evil.example/<script>"}});
  ASSERT_EQ(odd.status, 200) << odd.body;
  EXPECT_EQ(odd.json()["data"][0]["url"].get<std::string>().rfind("/api/v1/images/", 0), 0u);
}

TEST(OpenAI, F13_url_uses_the_configured_public_url) {
  ServiceConfig config = testing::test_config();
  config.server.public_url = "https://images.example.org";
  TestService ts(true, config);
  Client web = ts.client();
  Client api = ts.client();
  api.bearer = api_key(ts, web);
  auto r = api.post("/v1/images/generations", {{"prompt", "a fox"}, {"size", "64x64"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["data"][0]["url"].get<std::string>().rfind(
                "https://images.example.org/api/v1/images/", 0),
            0u);
}

TEST(OpenAI, F13_quality_and_steps_choose_the_step_count) {
  TestService ts;
  Client web = ts.client();
  Client api = ts.client();
  api.bearer = api_key(ts, web);
  auto steps_for = [&](nlohmann::json extra) {
    nlohmann::json body = {{"prompt", "a fox"}, {"size", "64x64"}, {"response_format", "b64_json"}};
    if (extra.is_object()) body.update(extra);
    auto r = api.post("/v1/images/generations", body);
    EXPECT_EQ(r.status, 200) << r.body;
    return ts.generator->last_params.steps;
  };
  EXPECT_EQ(steps_for({}), 20);
  EXPECT_EQ(steps_for({{"quality", "standard"}}), 20);
  EXPECT_EQ(steps_for({{"quality", "hd"}}), 40);
  EXPECT_EQ(steps_for({{"quality", "low"}}), 10);
  EXPECT_EQ(steps_for({{"quality", "hd"}, {"steps", 3}}), 3);
  auto bad = api.post("/v1/images/generations", {{"prompt", "x"}, {"quality", "ultra"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json()["error"]["param"], "quality");
}

TEST(OpenAI, F13_size_errors_use_the_openai_shape) {
  TestService ts;
  Client web = ts.client();
  Client api = ts.client();
  api.bearer = api_key(ts, web);
  for (const char* size :
       {"huge", "65x65", "64x", "x64", "8192x8192", "64x64x64", "-64x64", "96x64"}) {
    auto r = api.post("/v1/images/generations", {{"prompt", "canary-size-7f"}, {"size", size}});
    EXPECT_EQ(r.status, 400) << size;
    const auto e = r.json()["error"];
    EXPECT_EQ(e["param"], "size") << size;
    EXPECT_EQ(e["type"], "invalid_request_error") << size;
    EXPECT_EQ(e["code"], "invalid_field") << size;
    EXPECT_EQ(r.body.find("canary"), std::string::npos);
  }
  EXPECT_EQ(ts.generator->runs.load(), 0);
}

}  // namespace
}  // namespace pixforge::service
