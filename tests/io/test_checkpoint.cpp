// Checkpoint: family / prediction / UNet-config detection on synthetic key sets of the real
// layouts (shapes only), canonical component views, and diffusers folders written to disk.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "pixforge/io/checkpoint.h"
#include "pixforge/io/diffusers_folder.h"
#include "pixforge/io/name_conversion.h"
#include "pixforge/io/safetensors.h"
#include "synthetic_layouts.h"

namespace pixforge {
namespace {

namespace fs = std::filesystem;
using testing::prefixed;

std::vector<TensorInfo> concat(std::vector<std::vector<TensorInfo>> parts) {
  std::vector<TensorInfo> out;
  for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::vector<TensorInfo> sd15_file() {
  return concat({prefixed("model.diffusion_model.", testing::ldm_unet(testing::sd15_unet())),
                 prefixed("first_stage_model.", testing::ldm_vae()),
                 prefixed("cond_stage_model.transformer.", testing::hf_clip(12, 768))});
}

std::vector<TensorInfo> sd21_file(const testing::UnetSpec& unet = testing::sd21_unet()) {
  return concat({prefixed("model.diffusion_model.", testing::ldm_unet(unet)),
                 prefixed("first_stage_model.", testing::ldm_vae()),
                 prefixed("cond_stage_model.model.", testing::openclip_text(24, 1024))});
}

Checkpoint from(std::vector<TensorInfo> t, const std::string& file_name = "model.safetensors",
                std::unordered_map<std::string, std::string> metadata = {}) {
  auto table = std::make_shared<TensorTable>(file_name, std::move(t));
  table->set_metadata(std::move(metadata));
  return Checkpoint::from_single_file(table, "safetensors", file_name);
}

// Points the SD2 heuristic's tensor at values with the given population std.
void set_norm1_bias(std::vector<TensorInfo>& t, std::vector<float>& storage, double std_dev) {
  const std::string name =
      "model.diffusion_model.output_blocks.11.1.transformer_blocks.0.norm1.bias";
  for (TensorInfo& info : t) {
    if (info.name != name) continue;
    storage.assign(static_cast<std::size_t>(info.shape.numel()), 0.0f);
    for (std::size_t i = 0; i < storage.size(); ++i)
      storage[i] = (i % 2 ? 1.0f : -1.0f) * static_cast<float>(std_dev);
    info.dtype = DType::F32;
    info.data = storage.data();
    info.nbytes = storage.size() * 4;
    return;
  }
  FAIL() << name << " not in the layout";
}

TEST(Checkpoint, DetectsSd15AndItsUnetConfig) {
  const Checkpoint c = from(sd15_file());
  const ModelInfo& i = c.info();
  EXPECT_EQ(i.family, ModelFamily::SD1);
  EXPECT_EQ(i.prediction, Prediction::Epsilon);
  EXPECT_TRUE(i.supported);
  ASSERT_TRUE(i.unet.has_value());
  EXPECT_EQ(i.unet->in_channels, 4);
  EXPECT_EQ(i.unet->out_channels, 4);
  EXPECT_EQ(i.unet->model_channels, 320);
  EXPECT_EQ(i.unet->context_dim, 768);
  EXPECT_EQ(i.unet->num_heads, 8);
  EXPECT_EQ(i.unet->head_dim, -1);
  EXPECT_FALSE(i.unet->linear_proj);
  EXPECT_EQ(i.unet->channel_mult, (std::vector<int>{1, 2, 4, 4}));
  EXPECT_EQ(i.unet->transformer_depth, (std::vector<int>{1, 1, 1, 0}));
  EXPECT_EQ(i.unet->num_res_blocks, 2);
  EXPECT_EQ(i.unet->adm_in_channels, 0);
  EXPECT_EQ(i.dtypes, (std::vector<DType>{DType::F16}));
  EXPECT_EQ(i.tensor_count, sd15_file().size());
  // Canonical component views.
  EXPECT_NE(c.unet().find("middle_block.1.transformer_blocks.0.attn1.to_q.weight"), nullptr);
  EXPECT_EQ(c.vae().require("decoder.mid.attn_1.q.weight").shape, (Shape{512, 512, 1, 1}));
  EXPECT_NE(c.text_encoder().find("text_model.encoder.layers.11.mlp.fc2.weight"), nullptr);
  EXPECT_NO_THROW(c.require_generation_support());
}

TEST(Checkpoint, Sd21PredictionFollowsComfyUiStdHeuristic) {
  std::vector<float> storage;
  auto v_file = sd21_file();
  set_norm1_bias(v_file, storage, 0.2);
  const Checkpoint v = from(v_file);
  EXPECT_EQ(v.info().family, ModelFamily::SD2);
  EXPECT_EQ(v.info().prediction, Prediction::V);
  EXPECT_NE(v.info().prediction_source.find("heuristic"), std::string::npos);
  EXPECT_TRUE(v.info().unet->linear_proj);
  EXPECT_EQ(v.info().unet->head_dim, 64);
  EXPECT_EQ(v.info().unet->context_dim, 1024);

  auto eps_file = sd21_file();
  set_norm1_bias(eps_file, storage, 0.05);
  EXPECT_EQ(from(eps_file).info().prediction, Prediction::Epsilon);

  // Shapes only (no data): the heuristic cannot fire, epsilon.
  EXPECT_EQ(from(sd21_file()).info().prediction, Prediction::Epsilon);
}

TEST(Checkpoint, InpaintingUnetIsNeverVPredictionByHeuristic) {
  testing::UnetSpec spec = testing::sd21_unet();
  spec.in_channels = 9;
  std::vector<float> storage;
  auto file = sd21_file(spec);
  set_norm1_bias(file, storage, 0.2);
  const Checkpoint c = from(file);
  EXPECT_EQ(c.info().unet->in_channels, 9);
  EXPECT_EQ(c.info().prediction, Prediction::Epsilon);
  try {
    c.require_generation_support();
    FAIL() << "a 9-channel UNet must be refused before any weight is prepared";
  } catch (const UnsupportedModelError& e) {
    EXPECT_NE(std::string(e.what()).find("9-channel (inpainting) UNet is not supported"),
              std::string::npos)
        << e.what();
  }
}

TEST(Checkpoint, Sd21TextEncoderIsConvertedToHuggingFaceNames) {
  const Checkpoint c = from(sd21_file());
  const TensorSource& te = c.text_encoder();
  EXPECT_EQ(te.require("text_model.encoder.layers.23.self_attn.k_proj.weight").shape,
            (Shape{1024, 1024}));
  EXPECT_EQ(te.require("text_model.embeddings.position_embedding.weight").shape, (Shape{77, 1024}));
  EXPECT_NE(te.find("text_model.final_layer_norm.bias"), nullptr);
  EXPECT_EQ(te.find("transformer.resblocks.0.attn.in_proj_weight"), nullptr);
}

TEST(Checkpoint, OverrideAndVPredKeyWin) {
  auto file = sd15_file();
  file.push_back({"v_pred", DType::F32, Shape{}, nullptr, 0});
  Checkpoint c = from(file);
  EXPECT_EQ(c.info().prediction, Prediction::V);
  c.set_prediction(Prediction::Epsilon);
  EXPECT_EQ(c.info().prediction, Prediction::Epsilon);
  EXPECT_EQ(c.info().prediction_source, "caller override");
}

TEST(Checkpoint, SdxlSd3FluxAreDescribedButNotSupported) {
  auto sdxl = concat({prefixed("model.diffusion_model.", testing::ldm_unet(testing::sdxl_unet())),
                      prefixed("conditioner.embedders.0.transformer.", testing::hf_clip(1, 768))});
  const Checkpoint x = from(sdxl);
  EXPECT_EQ(x.info().family, ModelFamily::SDXL);
  EXPECT_FALSE(x.info().supported);
  ASSERT_TRUE(x.info().unet.has_value());
  EXPECT_EQ(x.info().unet->adm_in_channels, 2816);
  EXPECT_EQ(x.info().unet->context_dim, 2048);
  EXPECT_EQ(x.info().unet->transformer_depth, (std::vector<int>{0, 2, 10}));
  EXPECT_THROW(x.unet(), UnsupportedModelError);
  try {
    x.require_generation_support();
    FAIL();
  } catch (const UnsupportedModelError& e) {
    EXPECT_NE(std::string(e.what()).find("SDXL models are not supported yet"), std::string::npos);
  }
  std::vector<TensorInfo> sd3 = {
      {"model.diffusion_model.joint_blocks.0.context_block.attn.qkv.weight", DType::F16,
       Shape{4608, 1536}, nullptr, 0}};
  EXPECT_EQ(from(sd3).info().family, ModelFamily::SD3);
  std::vector<TensorInfo> flux = {
      {"double_blocks.0.img_attn.norm.key_norm.scale", DType::BF16, Shape{128}, nullptr, 0}};
  EXPECT_EQ(from(flux).info().family, ModelFamily::Flux);
  EXPECT_THROW(from(flux).require_generation_support(), UnsupportedModelError);
  std::vector<TensorInfo> junk = {{"foo.weight", DType::F32, Shape{3}, nullptr, 0}};
  EXPECT_EQ(from(junk).info().family, ModelFamily::Unknown);
  EXPECT_THROW(from(junk).require_generation_support(), UnsupportedModelError);
}

TEST(Checkpoint, TurboRecognisedFromMetadataOrFileName) {
  EXPECT_FALSE(from(sd21_file()).info().turbo);
  const Checkpoint m = from(sd21_file(), "model.safetensors", {{"modelspec.title", "SD-Turbo"}});
  EXPECT_TRUE(m.info().turbo);
  EXPECT_EQ(m.info().turbo_source, "metadata modelspec.title");
  std::vector<float> storage;
  auto file = sd21_file();
  set_norm1_bias(file, storage, 0.2);  // would read as v-prediction without the turbo hint
  const Checkpoint n = from(file, "/models/sd_turbo.safetensors");
  EXPECT_TRUE(n.info().turbo);
  EXPECT_EQ(n.info().turbo_source, "file name");
  EXPECT_EQ(n.info().family, ModelFamily::SD2);  // SD-Turbo is an SD2.1 UNet
  EXPECT_EQ(n.info().prediction, Prediction::Epsilon);
}

TEST(Checkpoint, StandaloneVaeFileExposesVae) {
  const Checkpoint c = from(testing::ldm_vae());
  EXPECT_TRUE(c.info().has_vae);
  EXPECT_FALSE(c.info().has_unet);
  EXPECT_EQ(c.info().family, ModelFamily::Unknown);
}

// ---- diffusers folders on disk ----------------------------------------------------------------

class DiffusersFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("pixforge-io-test-" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes tensors (zero data) as a safetensors file.
  void write(const fs::path& rel, std::vector<TensorInfo> t) {
    std::size_t biggest = 0;
    for (const TensorInfo& i : t) biggest = std::max(biggest, i.nbytes);
    zeros_.assign(biggest, 0);
    for (TensorInfo& i : t) i.data = zeros_.data();
    fs::create_directories((dir_ / rel).parent_path());
    save_safetensors((dir_ / rel).string(), t);
  }
  void text(const fs::path& rel, const std::string& s) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << s;
  }
  // A tiny SD2-shaped UNet (8 channels, 1024-wide context) in diffusers names.
  std::vector<TensorInfo> tiny_unet() {
    testing::UnetSpec s = testing::sd21_unet();
    s.model_channels = 8;
    auto t = testing::ldm_unet(s);
    const auto names = ldm_unet_names_to_diffusers(testing::names_of(t));
    for (std::size_t i = 0; i < t.size(); ++i) t[i].name = names[i];
    return t;
  }
  std::vector<TensorInfo> vae_part(const std::string& which) {
    return {{which + ".mid_block.attentions.0.to_q.weight", DType::F32, Shape{8, 8}, nullptr, 256},
            {which + ".conv_in.weight", DType::F32, Shape{8, 4, 3, 3}, nullptr, 8 * 4 * 9 * 4}};
  }

  fs::path dir_;
  std::vector<std::uint8_t> zeros_;
};

TEST_F(DiffusersFolder, FullPipelineWithVariantsShardsAndSchedulerConfig) {
  write("unet/diffusion_pytorch_model.fp16.safetensors", tiny_unet());
  write("vae/diffusion_pytorch_model-00001-of-00002.safetensors", vae_part("encoder"));
  write("vae/diffusion_pytorch_model-00002-of-00002.safetensors", vae_part("decoder"));
  text("vae/diffusion_pytorch_model.safetensors.index.json", R"({"metadata":{},"weight_map":{
      "encoder.mid_block.attentions.0.to_q.weight":"diffusion_pytorch_model-00001-of-00002.safetensors",
      "encoder.conv_in.weight":"diffusion_pytorch_model-00001-of-00002.safetensors",
      "decoder.mid_block.attentions.0.to_q.weight":"diffusion_pytorch_model-00002-of-00002.safetensors",
      "decoder.conv_in.weight":"diffusion_pytorch_model-00002-of-00002.safetensors"}})");
  write("text_encoder/model.safetensors", testing::hf_clip(1, 16));
  text("scheduler/scheduler_config.json",
       R"({"_class_name":"EulerDiscreteScheduler","prediction_type":"v_prediction"})");
  text("model_index.json",
       R"({"_class_name":"StableDiffusionPipeline","_name_or_path":"stabilityai/sd-turbo"})");
  text("tokenizer/vocab.json", "{}");

  const Checkpoint c = Checkpoint::open(dir_.string());
  const ModelInfo& i = c.info();
  EXPECT_EQ(i.format, "diffusers");
  EXPECT_EQ(i.family, ModelFamily::SD2);
  EXPECT_EQ(i.prediction, Prediction::V);
  EXPECT_EQ(i.prediction_source, "scheduler_config.json");
  EXPECT_TRUE(i.turbo);
  EXPECT_EQ(i.turbo_source, "model_index.json");
  EXPECT_EQ(i.tokenizer_dir, (dir_ / "tokenizer").string());
  EXPECT_EQ(i.unet->model_channels, 8);
  EXPECT_TRUE(i.unet->linear_proj);
  EXPECT_NE(c.unet().find("output_blocks.11.1.transformer_blocks.0.norm1.bias"), nullptr);
  EXPECT_EQ(c.vae().require("decoder.mid.attn_1.q.weight").shape, (Shape{8, 8, 1, 1}));
  EXPECT_NE(c.vae().find("encoder.conv_in.weight"), nullptr);
  EXPECT_NE(c.text_encoder().find("text_model.final_layer_norm.weight"), nullptr);
  EXPECT_NO_THROW(c.require_generation_support());
}

TEST_F(DiffusersFolder, ShardNamesCannotLeaveTheFolder) {
  write("vae/x.safetensors", vae_part("encoder"));
  text("vae/diffusion_pytorch_model.safetensors.index.json",
       R"({"weight_map":{"encoder.conv_in.weight":"../x.safetensors"}})");
  try {
    open_diffusers_component((dir_ / "vae").string());
    FAIL() << "accepted";
  } catch (const ModelFormatError& e) {
    EXPECT_NE(std::string(e.what()).find("not a plain file name"), std::string::npos) << e.what();
  }
}

TEST_F(DiffusersFolder, IndexNamingATensorItsShardLacksIsAnError) {
  write("unet/a.safetensors", vae_part("encoder"));
  text("unet/diffusion_pytorch_model.safetensors.index.json",
       R"({"weight_map":{"encoder.nothing.weight":"a.safetensors"}})");
  EXPECT_THROW(Checkpoint::open(dir_.string()), ModelFormatError);
}

TEST_F(DiffusersFolder, FolderWithoutWeightsIsAnError) {
  fs::create_directories(dir_ / "unet");
  EXPECT_THROW(Checkpoint::open(dir_.string()), ModelFormatError);
  EXPECT_THROW(Checkpoint::open((dir_ / "unet").string()), ModelFormatError);
}

TEST_F(DiffusersFolder, OpenTensorSourceDispatchesOnContentNotExtension) {
  std::vector<float> v = {1, 2};
  const auto st = serialize_safetensors({{"w", DType::F32, Shape{2}, v.data(), 8}});
  {
    std::ofstream f(dir_ / "misnamed.ckpt", std::ios::binary);
    f.write(reinterpret_cast<const char*>(st.data()), static_cast<std::streamsize>(st.size()));
  }
  EXPECT_EQ(open_tensor_source((dir_ / "misnamed.ckpt").string())->require("w").shape, (Shape{2}));
  text("notes.safetensors", "hello, not a model");
  text("empty.pth", "");
  for (const char* name : {"notes.safetensors", "empty.pth"}) {
    try {
      open_tensor_source((dir_ / name).string());
      ADD_FAILURE() << name << " accepted";
    } catch (const ModelFormatError& e) {
      EXPECT_NE(std::string(e.what()).find("unrecognised model file"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_THROW(open_tensor_source((dir_ / "absent.safetensors").string()), ModelFormatError);
}

TEST_F(DiffusersFolder, SdxlPipelineIsUnsupported) {
  write("unet/diffusion_pytorch_model.safetensors", tiny_unet());
  text("model_index.json", R"({"_class_name":"StableDiffusionXLPipeline"})");
  const Checkpoint c = Checkpoint::open(dir_.string());
  EXPECT_EQ(c.info().family, ModelFamily::SDXL);
  EXPECT_THROW(c.require_generation_support(), UnsupportedModelError);
}

}  // namespace
}  // namespace pixforge
