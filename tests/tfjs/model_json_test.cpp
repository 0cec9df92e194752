// model.json parsing and shard decoding: every stored form, and hostile files.
#include "pixforge/tfjs/model_json.h"

#include <gtest/gtest.h>

#include <cstring>

#include "pixforge/core/dtype.h"

namespace pixforge::tfjs {
namespace {

std::string manifest(const std::string& weights) {
  return R"({"format": "layers-model", "modelTopology": {"model_config": {}},
            "weightsManifest": [{"paths": ["w.bin"], "weights": [)" +
         weights + "]}]}";
}

template <class T>
void put(std::vector<std::uint8_t>& b, T v) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
  b.insert(b.end(), p, p + sizeof v);
}

TEST(TfjsModelJson, decodes_every_stored_form) {
  const ModelJson m =
      parse_model_json(manifest(R"({"name": "f32", "shape": [2], "dtype": "float32"},
                 {"name": "f16", "shape": [2], "dtype": "float32", "quantization": {"dtype": "float16"}},
                 {"name": "u8", "shape": [3], "dtype": "float32",
                  "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1.0}},
                 {"name": "u16", "shape": [1], "dtype": "float32",
                  "quantization": {"dtype": "uint16", "scale": 0.25, "min": 2.0}},
                 {"name": "i32", "shape": [2], "dtype": "int32"})"),
                       "m.json");
  ASSERT_EQ(m.groups.size(), 1u);
  std::vector<std::uint8_t> b;
  put(b, 1.5f);
  put(b, -2.0f);
  put(b, f32_to_f16(0.25f));
  put(b, f32_to_f16(-3.0f));
  b.insert(b.end(), {0, 2, 255});
  put(b, std::uint16_t{4});
  put(b, std::int32_t{-7});
  put(b, std::int32_t{3});
  WeightMap w;
  decode_group(m.groups[0].weights, b, "test", w);
  EXPECT_EQ(w.at("f32").values, (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(w.at("f16").values, (std::vector<float>{0.25f, -3.0f}));
  EXPECT_EQ(w.at("u8").values, (std::vector<float>{-1.0f, 0.0f, 126.5f}));
  EXPECT_EQ(w.at("u16").values, (std::vector<float>{3.0f}));
  EXPECT_TRUE(w.at("i32").is_int);
  EXPECT_EQ(w.at("i32").ints, (std::vector<std::int32_t>{-7, 3}));
}

TEST(TfjsModelJson, truncated_shard_names_the_weight) {
  const ModelJson m = parse_model_json(
      manifest(R"({"name": "big", "shape": [4, 4], "dtype": "float32"})"), "m.json");
  std::vector<std::uint8_t> b(60);  // 64 needed
  WeightMap w;
  try {
    decode_group(m.groups[0].weights, b, "m.json", w);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("\"big\""), std::string::npos) << e.what();
  }
}

TEST(TfjsModelJson, hostile_manifests_are_rejected) {
  auto error_of = [](const std::string& text) {
    try {
      parse_model_json(text, "m.json");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("[1, 2]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(error_of(R"({"weightsManifest": []})").find("modelTopology"), std::string::npos);
  EXPECT_NE(
      error_of(
          R"({"modelTopology": {}, "weightsManifest": [{"paths": ["../../etc/passwd"], "weights": []}]})")
          .find("leaves the model folder"),
      std::string::npos);
  EXPECT_NE(error_of(manifest(R"({"name": "x", "shape": [-1]})")).find("bad dimension"),
            std::string::npos);
  EXPECT_NE(
      error_of(manifest(R"({"name": "x", "shape": [100000, 100000, 100]})")).find("too large"),
      std::string::npos);
  EXPECT_NE(
      error_of(manifest(R"({"name": "x", "shape": [1], "dtype": "complex64"})")).find("complex64"),
      std::string::npos);
  EXPECT_NE(error_of(manifest(R"({"name": "x", "shape": [1], "quantization": {"dtype": "int4"}})"))
                .find("int4"),
            std::string::npos);
  EXPECT_NE(error_of(manifest(R"({"name": "x", "shape": [1], "quantization": {"dtype": "uint8"}})"))
                .find("scale"),
            std::string::npos);
  // Members of the wrong JSON type or out of float range: a clear runtime_error, never
  // nlohmann's own exception types or an undefined float conversion.
  EXPECT_NE(error_of(R"({"format": 5, "modelTopology": {}, "weightsManifest": []})")
                .find("\"format\" is not a string"),
            std::string::npos);
  EXPECT_NE(error_of(manifest(R"({"name": "x", "shape": [1], "dtype": 3})"))
                .find("\"dtype\" is not a string"),
            std::string::npos);
  EXPECT_NE(error_of(manifest(R"({"name": "x", "shape": [1], "quantization": {"dtype": 8}})"))
                .find("not a string"),
            std::string::npos);
  EXPECT_NE(
      error_of(
          manifest(
              R"({"name": "x", "shape": [1], "quantization": {"dtype": "uint8", "scale": 1e300, "min": 0}})"))
          .find("out of range"),
      std::string::npos);
  EXPECT_NE(error_of(R"({"format": "saved-model", "modelTopology": {}, "weightsManifest": []})")
                .find("saved-model"),
            std::string::npos);
}

TEST(TfjsModelJson, missing_file_says_how_to_install) {
  try {
    read_model_json("/nonexistent/model.json");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("models install"), std::string::npos);
  }
}

}  // namespace
}  // namespace pixforge::tfjs
