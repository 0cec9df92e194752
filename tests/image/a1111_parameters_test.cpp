// The A1111 infotext format: round trips and strings as A1111 itself writes them.
#include "pixforge/image/a1111_parameters.h"

#include <gtest/gtest.h>

namespace pixforge {
namespace {

TEST(A1111Parameters, FormatsAsCreateInfotext) {
  A1111Parameters p;
  p.prompt = "a lighthouse at dusk, oil painting";
  p.negative_prompt = "blurry";
  p.fields = {{"Steps", "20"},
              {"Sampler", "Euler a"},
              {"Schedule type", "Karras"},
              {"CFG scale", "7"},
              {"Seed", "1"},
              {"Size", "512x512"},
              {"Model hash", "6ce0161689"},
              {"Model", "v1-5-pruned-emaonly"},
              {"Lora hashes", "add_detail: 7c6bad76eb54"},
              {"RNG", "CPU"}};
  EXPECT_EQ(format_a1111_parameters(p),
            "a lighthouse at dusk, oil painting\n"
            "Negative prompt: blurry\n"
            "Steps: 20, Sampler: Euler a, Schedule type: Karras, CFG scale: 7, Seed: 1, "
            "Size: 512x512, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, "
            "Lora hashes: \"add_detail: 7c6bad76eb54\", RNG: CPU");
  p.negative_prompt.clear();
  EXPECT_EQ(format_a1111_parameters(p).find("Negative prompt"), std::string::npos);
}

TEST(A1111Parameters, RoundTripsMultilineAndQuotedValues) {
  A1111Parameters p;
  p.prompt = "line one\nline two: with colon, and comma";
  p.negative_prompt = "bad\nworse";
  p.fields = {{"Steps", "4"},
              {"Sampler", "DPM++ 2M"},
              {"Seed", "42"},
              {"Odd", "has \"quotes\", a \\ backslash\nand a newline"}};
  const A1111Parameters back = parse_a1111_parameters(format_a1111_parameters(p));
  EXPECT_EQ(back.prompt, p.prompt);
  EXPECT_EQ(back.negative_prompt, p.negative_prompt);
  EXPECT_EQ(back.fields, p.fields);
}

TEST(A1111Parameters, ParsesStringsWrittenByA1111) {
  // As written by stable-diffusion-webui v1.6 (scheduler folded into the sampler name, LoRA
  // hashes quoted) and v1.10 (separate "Schedule type").
  const A1111Parameters old = parse_a1111_parameters(
      "masterpiece, 1girl, <lora:add_detail:1>\n"
      "Negative prompt: (worst quality:1.4), lowres\n"
      "Steps: 25, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 3902716382, Size: 512x768, "
      "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Denoising strength: 0.7, "
      "Hires upscale: 2, Hires upscaler: Latent, "
      "Lora hashes: \"add_detail: 7c6bad76eb54\", Version: v1.6.0");
  EXPECT_EQ(old.prompt, "masterpiece, 1girl, <lora:add_detail:1>");
  EXPECT_EQ(old.negative_prompt, "(worst quality:1.4), lowres");
  EXPECT_EQ(old.get("Sampler"), "DPM++ 2M Karras");
  EXPECT_EQ(old.get("Seed"), "3902716382");
  EXPECT_EQ(old.get("Size"), "512x768");
  EXPECT_EQ(old.get("Lora hashes"), "add_detail: 7c6bad76eb54");
  EXPECT_EQ(old.get("Version"), "v1.6.0");
  EXPECT_EQ(old.fields.size(), 12u);

  const A1111Parameters now = parse_a1111_parameters(
      "a photo of an astronaut riding a horse on mars\n"
      "Steps: 20, Sampler: Euler a, Schedule type: Automatic, CFG scale: 7, Seed: 1234567890, "
      "Size: 512x512, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.10.1");
  EXPECT_EQ(now.prompt, "a photo of an astronaut riding a horse on mars");
  EXPECT_EQ(now.negative_prompt, "");
  EXPECT_EQ(now.get("Schedule type"), "Automatic");
  EXPECT_EQ(now.get("CFG scale"), "7");
}

TEST(A1111Parameters, TextWithoutParameterLineIsAllPrompt) {
  const A1111Parameters p = parse_a1111_parameters("just a prompt: with one colon\nsecond line");
  EXPECT_EQ(p.prompt, "just a prompt: with one colon\nsecond line");
  EXPECT_TRUE(p.fields.empty());
  EXPECT_TRUE(parse_a1111_parameters("").prompt.empty());
  // Unterminated quotes and stray separators never throw.
  const A1111Parameters q = parse_a1111_parameters("p\nAa: \"x, Bb: 1, C: 2, :: , Dd:");
  EXPECT_EQ(q.prompt, "p");
  EXPECT_EQ(q.get("Aa"), "\"x");  // an unterminated quote is kept as a plain value
  EXPECT_EQ(q.get("Bb"), "1");
  EXPECT_EQ(q.get("C"), std::nullopt);  // keys need two characters, as in A1111's pattern
  EXPECT_EQ(q.get("Dd"), "");
}

}  // namespace
}  // namespace pixforge
