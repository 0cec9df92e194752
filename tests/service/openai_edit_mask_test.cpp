// Masks at the service's edge. OpenAI edits without a `mask` field: the image's own transparent
// pixels are the area to edit (OpenAI's rule for dall-e-2), reaching the Generator as the
// canonical grey mask; an opaque image is edited as a whole. The native API refuses a mask of
// another size than its init image before a job is queued.
#include <gtest/gtest.h>

#include "../../service/src/job_runner.h"
#include "api_harness.h"
#include "pixforge/image/codec.h"

namespace pixforge::service {
namespace {

using testing::Client;
using testing::TestService;

std::string png_bytes(const pixforge::Image& img) {
  const auto bytes = pixforge::encode_image(img, pixforge::ImageFormat::Png, {});
  return std::string(bytes.begin(), bytes.end());
}

httplib::Result post_edit(Client& web, const std::string& key, const std::string& image) {
  const httplib::MultipartFormDataItems items = {
      {"image", image, "in.png", "image/png"},
      {"prompt", "a window", "", ""},
      {"response_format", "b64_json", "", ""},
  };
  return web.http().Post("/v1/images/edits", {{"Authorization", "Bearer " + key}}, items);
}

TEST(OpenAI, EditsUseTheImagesTransparencyAsTheMaskWhenNoMaskIsSent) {
  TestService ts;
  Client web = ts.client();
  web.sign_up("edit_alpha");
  auto k = web.post("/api/v1/keys",
                    {{"agree", true}, {"notice_version", 1}, {"scopes", {"generate", "read"}}});
  ASSERT_EQ(k.status, 201);
  const std::string key = k.json()["key"];

  pixforge::Image img = pixforge::Image::blank(64, 64, 4);
  for (std::size_t i = 0; i < img.pixels.size(); i += 4) {
    img.pixels[i] = 90;
    img.pixels[i + 3] = 255;
  }
  for (int x = 0; x < 64; ++x) img.row(5)[x * 4 + 3] = 0;  // row 5 transparent: edited
  auto r = post_edit(web, key, png_bytes(img));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  ASSERT_TRUE(ts.generator->last_params.mask);
  const Image& m = *ts.generator->last_params.mask;
  ASSERT_EQ(m.width, 64);
  EXPECT_EQ(m.pixels[(5 * 64 + 7) * 3], 255);          // transparent -> regenerate
  EXPECT_EQ(m.pixels[(6 * 64 + 7) * 3], 0);            // opaque -> keep
  EXPECT_EQ(ts.generator->last_params.strength, 1.0);  // the masked area is replaced, not varied

  for (std::size_t i = 3; i < img.pixels.size(); i += 4) img.pixels[i] = 255;
  r = post_edit(web, key, png_bytes(img));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_FALSE(ts.generator->last_params.mask);        // fully opaque: the whole image is edited
  EXPECT_LT(ts.generator->last_params.strength, 1.0);  // ... as a variation of the input
}

TEST(Native, MaskMustHaveTheInitImagesSize) {
  TestService ts;
  Client c = ts.client();
  c.sign_up("native_mask");
  const std::string image = base64(png_bytes(pixforge::Image::blank(64, 64, 3)));
  const std::string small = base64(png_bytes(pixforge::Image::blank(32, 32, 3)));
  auto r = c.post("/api/v1/generate", {{"prompt", "x"},
                                       {"steps", 1},
                                       {"width", 64},
                                       {"height", 64},
                                       {"init_image", image},
                                       {"mask", small}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("needs an init image of the same size"), std::string::npos) << r.body;
  EXPECT_EQ(ts.generator->runs.load(), 0);
}

}  // namespace
}  // namespace pixforge::service
