// safetensors reader: values written by Python (tools/reference/io_make_fixtures.py) and by
// the C++ writer, and every malformed header the reader must turn into a ModelFormatError.
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <random>

#include "pixforge/io/safetensors.h"
#include "testing/golden.h"
#include "testing/paths.h"
#include "zip_builder.h"

namespace pixforge {
namespace {

using testing::Bytes;

constexpr int kFixtureVersion = 1;  // tools/reference/io_make_fixtures.py VERSION

std::vector<float> as_f32(const TensorInfo& t) {
  std::vector<float> v(static_cast<std::size_t>(t.shape.numel()));
  convert_to_f32(t.dtype, t.data, v.data(), v.size());
  return v;
}

std::vector<std::int64_t> dims(const Shape& s) {
  std::vector<std::int64_t> d;
  for (int i = 0; i < s.rank(); ++i) d.push_back(s[i]);
  return d;
}

// A safetensors image with a hand-written header (tests of malformed headers).
Bytes with_header(const std::string& header, std::size_t data_bytes) {
  Bytes b(8 + header.size() + data_bytes, 0x3c);
  const std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (8 * i));
  if (!header.empty()) std::memcpy(b.data() + 8, header.data(), header.size());
  return b;
}

std::string parse_error(const Bytes& b) {
  try {
    parse_safetensors(b, "test.safetensors", nullptr);
  } catch (const ModelFormatError& e) {
    return e.what();
  }
  return "";
}

TEST(Safetensors, ReadsPythonWrittenFixtureWithExactValues) {
  auto table = open_safetensors(testing::golden_path("io/tiny.safetensors"));
  const auto golden =
      testing::load_golden(testing::golden_path("io/tiny_expected.safetensors"), kFixtureVersion);
  const std::pair<const char*, DType> expected[] = {
      {"a.f32", DType::F32}, {"b.f16", DType::F16},   {"c.bf16", DType::BF16},
      {"d.i32", DType::I32}, {"e.i64", DType::I64},   {"f.u8", DType::U8},
      {"g.f64", DType::F32}, {"h.scalar", DType::F32}};
  for (const auto& [name, dtype] : expected) {
    SCOPED_TRACE(name);
    const TensorInfo& t = table->require(name);
    const auto& g = golden.at(std::string("st/") + name);
    EXPECT_EQ(t.dtype, dtype);
    EXPECT_EQ(dims(t.shape), g.shape);
    // Exact: every value is representable in its dtype, and the F64 ones are compared after
    // the same f64->f32 rounding PyTorch applies.
    EXPECT_TRUE(testing::all_close(as_f32(t), g.values, 0, 0));
  }
  const auto& i64 = table->require("e.i64");
  EXPECT_EQ(static_cast<const std::int64_t*>(i64.data)[0], std::int64_t{1} << 40);
  EXPECT_EQ(table->require("i.empty").shape, (Shape{0, 4}));
  EXPECT_EQ(table->require("i.empty").nbytes, 0u);
  EXPECT_EQ(table->metadata().at("modelspec.title"), "tiny fixture");
  EXPECT_EQ(table->tensors().size(), 9u);
}

TEST(Safetensors, CppWriterRoundTripsEveryDtype) {
  std::vector<float> f32 = {1.5f, -2.25f, 3.0f, 0.0f, 1e-8f, -7.0f};
  std::vector<std::uint16_t> f16 = {f32_to_f16(0.5f), f32_to_f16(-65504.0f), f32_to_f16(6e-8f)};
  std::vector<std::uint16_t> bf16 = {f32_to_bf16(1.0f), f32_to_bf16(-3.0e38f)};
  std::vector<std::int64_t> i64 = {-1, 1ll << 50};
  std::vector<std::uint8_t> u8 = {0, 255, 7};
  std::vector<TensorInfo> in = {
      {"x.f32", DType::F32, Shape{2, 3}, f32.data(), 24},
      {"x.f16", DType::F16, Shape{3}, f16.data(), 6},
      {"x.bf16", DType::BF16, Shape{1, 2}, bf16.data(), 4},
      {"x.i64", DType::I64, Shape{2}, i64.data(), 16},
      {"x.u8", DType::U8, Shape{3, 1, 1}, u8.data(), 3},
  };
  const Bytes bytes = serialize_safetensors(in, {{"note", "cpp"}});
  auto table = parse_safetensors(bytes, "mem", nullptr);
  ASSERT_EQ(table->tensors().size(), in.size());
  for (const TensorInfo& want : in) {
    SCOPED_TRACE(want.name);
    const TensorInfo& got = table->require(want.name);
    EXPECT_EQ(got.dtype, want.dtype);
    EXPECT_EQ(got.shape, want.shape);
    ASSERT_EQ(got.nbytes, want.nbytes);
    EXPECT_EQ(std::memcmp(got.data, want.data, want.nbytes), 0);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(got.data) % dtype_size(got.dtype), 0u);
  }
  EXPECT_EQ(table->metadata().at("note"), "cpp");
}

TEST(Safetensors, MisalignedDataIsCopiedAligned) {
  // A header length not padded to 8: the F32 tensor lands on an odd address in the file.
  std::string header = R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  while ((8 + header.size()) % 4 != 1) header += ' ';  // data starts 1 byte past alignment
  Bytes b = with_header(header, 0);
  const float vals[2] = {4.25f, -1.0f};
  const std::size_t at = b.size();
  b.resize(at + sizeof vals);
  std::memcpy(b.data() + at, vals, sizeof vals);
  auto table = parse_safetensors(b, "mem", nullptr);
  const TensorInfo& t = table->require("t");
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.data) % 4, 0u);
  EXPECT_EQ(as_f32(t), (std::vector<float>{4.25f, -1.0f}));
}

struct BadHeader {
  const char* what;
  std::string header;
  std::size_t data;
  const char* message_part;
};

TEST(Safetensors, MalformedHeadersGiveClearErrors) {
  const std::string deep(40, '[');
  const BadHeader cases[] = {
      {"not json", "{\"a\":", 0, "not a JSON object"},
      {"array", "[1,2]", 0, "not a JSON object"},
      {"deep nesting", "{\"a\":" + deep, 0, "nested too deeply"},
      {"no dtype", R"({"t":{"shape":[1],"data_offsets":[0,4]}})", 4, "missing dtype"},
      {"bool dtype", R"({"t":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}})", 1,
       "unsupported dtype 'BOOL'"},
      {"f8 dtype", R"({"t":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", 1,
       "unsupported dtype"},
      {"rank 7", R"({"t":{"dtype":"U8","shape":[1,1,1,1,1,1,1],"data_offsets":[0,1]}})", 1,
       "rank 7 exceeds 6"},
      {"negative dim", R"({"t":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})", 1,
       "non-negative integer"},
      {"float dim", R"({"t":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}})", 1,
       "non-negative integer"},
      {"absurd dim", R"({"t":{"dtype":"U8","shape":[1099511627777],"data_offsets":[0,1]}})", 1,
       "absurd dimension"},
      {"overflowing shape",
       R"({"t":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}})", 4,
       "overflows"},
      {"size mismatch", R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", 8,
       "needs 8 bytes"},
      {"end past data", R"({"t":{"dtype":"U8","shape":[9],"data_offsets":[0,9]}})", 8,
       "outside the 8-byte"},
      {"begin after end", R"({"t":{"dtype":"U8","shape":[0],"data_offsets":[5,4]}})", 8, "outside"},
      {"huge offset",
       R"({"t":{"dtype":"U8","shape":[1],"data_offsets":[18446744073709551615,18446744073709551615]}})",
       8, "outside"},
      {"one offset", R"({"t":{"dtype":"U8","shape":[1],"data_offsets":[0]}})", 1,
       "data_offsets must be"},
      {"overlap",
       R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})",
       8, "overlap"},
      {"entry not object", R"({"t":3})", 0, "not an object"},
      {"metadata not object", R"({"__metadata__":[1]})", 0, "__metadata__ is not an object"},
  };
  for (const BadHeader& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string msg = parse_error(with_header(c.header, c.data));
    EXPECT_NE(msg.find(c.message_part), std::string::npos) << "message: " << msg;
    EXPECT_NE(msg.find("test.safetensors"), std::string::npos) << "message must name the file";
  }
}

TEST(Safetensors, HeaderLengthBeyondFileOrLimitIsRejected) {
  Bytes b = with_header("{}", 0);
  b[0] = 0xff;  // header length 255 + ... > file size
  EXPECT_NE(parse_error(b).find("runs past the end"), std::string::npos);
  Bytes huge(16, 0);
  huge[4] = 0x10;  // 2^36 > 100 MB
  EXPECT_NE(parse_error(huge).find("100 MB"), std::string::npos);
  EXPECT_NE(parse_error(Bytes{1, 2, 3}).find("too short"), std::string::npos);
}

Bytes small_valid_file() {
  std::vector<float> a = {1, 2, 3, 4, 5, 6};
  std::vector<std::uint16_t> b = {1, 2, 3};
  return serialize_safetensors({{"layer.weight", DType::F32, Shape{2, 3}, a.data(), 24},
                                {"layer.bias", DType::F16, Shape{3}, b.data(), 6}},
                               {{"format", "pt"}});
}

// Parses `b`; any outcome but success or ModelFormatError (a crash, another exception type)
// fails the test.
void expect_clean_outcome(const Bytes& b, const std::string& what) {
  try {
    auto t = parse_safetensors(b, "fuzz", nullptr);
    for (const TensorInfo& info : t->tensors()) {
      // Touch every byte the reader handed out: out-of-bounds pointers would show under ASan.
      std::uint8_t acc = 0;
      for (std::size_t i = 0; i < info.nbytes; ++i)
        acc ^= static_cast<const std::uint8_t*>(info.data)[i];
      volatile std::uint8_t sink = acc;
      (void)sink;
    }
  } catch (const ModelFormatError&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": unexpected exception type: " << e.what();
  }
}

TEST(Safetensors, EveryTruncationGivesACleanError) {
  const Bytes full = small_valid_file();
  for (std::size_t n = 0; n < full.size(); ++n) {
    const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    std::string msg = parse_error(prefix);
    // Cutting only data bytes still leaves a parsable header whose offsets overrun: an error.
    EXPECT_FALSE(msg.empty()) << "prefix of " << n << " bytes was accepted";
  }
  EXPECT_TRUE(parse_error(full).empty());
}

TEST(Safetensors, RandomBitFlipsNeverCrash) {
  const Bytes full = small_valid_file();
  std::mt19937 rng(1234);  // deterministic
  int rejected = 0;
  for (int iter = 0; iter < 5000; ++iter) {
    Bytes b = full;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f)
      b[rng() % b.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    try {
      parse_safetensors(b, "flip", nullptr);
    } catch (const ModelFormatError&) {
      ++rejected;
    }
    expect_clean_outcome(b, "iteration " + std::to_string(iter));
  }
  EXPECT_GT(rejected, 1000);  // most flips land in the header and must be caught
}

TEST(Safetensors, OpenReportsMissingFileByPath) {
  try {
    open_safetensors("/nonexistent/dir/model.safetensors");
    FAIL() << "no error";
  } catch (const ModelFormatError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/model.safetensors"), std::string::npos);
  }
}

}  // namespace
}  // namespace pixforge
