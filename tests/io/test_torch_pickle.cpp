// PyTorch zip checkpoints through the restricted unpickler: real torch.save files (committed
// fixtures and the taef2 weights), crafted hostile pickles, and corrupt archives.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "pixforge/io/torch_pickle.h"
#include "pixforge/io/zip_reader.h"
#include "testing/golden.h"
#include "testing/paths.h"
#include "zip_builder.h"

namespace pixforge {
namespace {

using testing::Bytes;
using testing::PickleWriter;

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

std::string error_of(const Bytes& b) {
  try {
    parse_torch_zip(b, "test.ckpt", nullptr);
  } catch (const ModelFormatError& e) {
    return e.what();
  }
  return "";
}

// Parses an archive built in the test; the table keeps the bytes alive (its data points there).
std::unique_ptr<TensorTable> parse_owned(Bytes bytes) {
  auto owned = std::make_shared<const Bytes>(std::move(bytes));
  return parse_torch_zip(*owned, "mem", owned);
}

Bytes f32_bytes(const std::vector<float>& v) {
  Bytes b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// {"w": tensor} with the given storage type, as torch.save would write it.
Bytes one_tensor_pickle(const std::string& storage_type, int numel, int offset,
                        const std::vector<int>& size, const std::vector<int>& stride) {
  return PickleWriter()
      .global("collections", "OrderedDict")
      .op(')')
      .op('R')
      .str("w")
      .tensor(storage_type, "0", numel, offset, size, stride)
      .op('s')
      .finish();
}

TEST(TorchPickle, ReadsTorchSaveFixtureWithExactValues) {
  auto table = open_torch_zip(testing::golden_path("io/tiny.pth"));
  const auto golden =
      testing::load_golden(testing::golden_path("io/tiny_expected.safetensors"), kFixtureVersion);
  const std::pair<const char*, DType> expected[] = {
      {"conv.weight", DType::F32}, {"conv.bias", DType::F32},
      {"half.weight", DType::F16}, {"bf.weight", DType::BF16},
      {"steps", DType::I64},       {"transposed", DType::F32},
      {"rows", DType::F32},        {"nested.inner.weight", DType::F32}};
  ASSERT_EQ(table->tensors().size(), std::size(expected));
  for (const auto& [name, dtype] : expected) {
    SCOPED_TRACE(name);
    const TensorInfo& t = table->require(name);
    const auto& g = golden.at(std::string("pth/") + name);
    EXPECT_EQ(t.dtype, dtype);
    EXPECT_EQ(dims(t.shape), g.shape);
    EXPECT_TRUE(testing::all_close(as_f32(t), g.values, 0, 0));  // exact: same bits as torch
  }
  // Order follows the pickle (the state dict's insertion order).
  EXPECT_EQ(table->tensors().front().name, "conv.weight");
}

TEST(TorchPickle, LightningCheckpointUsesItsStateDict) {
  auto table = open_torch_zip(testing::golden_path("io/tiny_lightning.ckpt"));
  EXPECT_NE(table->find("conv.weight"), nullptr);
  EXPECT_EQ(table->find("global_step"), nullptr);
  EXPECT_EQ(table->find("state_dict.conv.weight"), nullptr);
  EXPECT_EQ(table->tensors().size(), 8u);
}

TEST(TorchPickle, CommittedHostileCheckpointIsRefusedAndNothingRuns) {
  const std::string marker = "/tmp/pixforge-pwned-fixture";
  std::filesystem::remove(marker);
  try {
    open_torch_zip(testing::golden_path("io/hostile.ckpt"));
    FAIL() << "hostile checkpoint accepted";
  } catch (const ModelFormatError& e) {
    EXPECT_NE(std::string(e.what()).find("refusing global 'posix.system'"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(TorchPickle, CraftedOsSystemPickleIsRefusedAndNothingRuns) {
  std::random_device rd;
  const std::string marker = "/tmp/pwned-" + std::to_string(rd()) + std::to_string(rd());
  const Bytes pkl = PickleWriter()
                        .global("os", "system")
                        .str("touch " + marker)
                        .op(0x85)  // TUPLE1
                        .op('R')
                        .finish();
  const std::string msg = error_of(testing::build_torch_zip(pkl, {}));
  EXPECT_NE(msg.find("refusing global 'os.system'"), std::string::npos) << msg;
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(TorchPickle, EveryOtherGlobalIsRefusedByName) {
  const std::pair<const char*, const char*> globals[] = {
      {"builtins", "eval"},
      {"builtins", "exec"},
      {"posix", "system"},
      {"subprocess", "Popen"},
      {"subprocess", "check_output"},
      {"torch", "load"},
      {"torch._utils", "_rebuild_device_tensor_from_numpy"},
      {"__builtin__", "getattr"},
      {"collections", "defaultdict"},
      {"torch.nn.modules.conv", "Conv2d"}};
  for (const auto& [module, name] : globals) {
    const std::string full = std::string(module) + "." + name;
    SCOPED_TRACE(full);
    const Bytes pkl = PickleWriter().global(module, name).op(')').op('R').finish();
    EXPECT_NE(error_of(testing::build_torch_zip(pkl, {})).find("refusing global '" + full + "'"),
              std::string::npos);
    // STACK_GLOBAL (protocol 4) spelling of the same import.
    const Bytes pkl4 = PickleWriter().str(module).str(name).op(0x93).op(')').op('R').finish();
    EXPECT_NE(error_of(testing::build_torch_zip(pkl4, {})).find("refusing global '" + full + "'"),
              std::string::npos);
  }
}

TEST(TorchPickle, OpcodesOutsideTorchSaveAreRefused) {
  // INST ('i') and OBJ ('o') build objects from classes; EXT1 looks up the copyreg registry.
  for (std::uint8_t op :
       {std::uint8_t{'i'}, std::uint8_t{'o'}, std::uint8_t{0x82}, std::uint8_t{'P'}}) {
    const Bytes pkl = PickleWriter().op('}').op(op).finish();
    EXPECT_NE(error_of(testing::build_torch_zip(pkl, {})).find("is not allowed"), std::string::npos)
        << "opcode " << int(op);
  }
}

TEST(TorchPickle, AllowedCallablesCannotBeMisused) {
  // A storage type is only a tag: calling it is refused.
  const Bytes call_storage =
      PickleWriter().global("torch", "FloatStorage").op(')').op('R').finish();
  EXPECT_NE(error_of(testing::build_torch_zip(call_storage, {})).find("not allowed"),
            std::string::npos);
  // A persistent id that is not a storage record.
  const Bytes bad_pid = PickleWriter().str("x").op('Q').finish();
  EXPECT_NE(error_of(testing::build_torch_zip(bad_pid, {})).find("persistent id"),
            std::string::npos);
  // The top-level value must be a dict.
  const Bytes not_dict = PickleWriter().integer(3).finish();
  EXPECT_NE(error_of(testing::build_torch_zip(not_dict, {})).find("not a dict"), std::string::npos);
}

TEST(TorchPickle, SharedDictsCannotExpandExponentially) {
  // Level 0 is {"t": tensor}; each further level has 16 keys all pointing at the level below
  // (memo references), so 7 levels would flatten to 16^6 = 16.7M tensor names.
  PickleWriter w;
  // Each level is memoised (BINPUT) and popped; the last one is fetched back as the result.
  w.op('}').str("t").tensor("FloatStorage", "0", 1, 0, {1}, {1}).op('s').op('q').op(0).op('0');
  for (int level = 1; level < 7; ++level) {
    w.op('}').op('(');
    for (int k = 0; k < 16; ++k) {
      w.str(std::string(1, static_cast<char>('a' + k)));
      w.op('h').op(static_cast<std::uint8_t>(level - 1));
    }
    w.op('u').op('q').op(static_cast<std::uint8_t>(level)).op('0');
  }
  w.op('h').op(6);
  const std::string msg = error_of(testing::build_torch_zip(w.finish(), {{"0", f32_bytes({1})}}));
  EXPECT_NE(msg.find("too many entries"), std::string::npos) << msg;
}

TEST(TorchPickle, ContiguousViewsAreZeroCopyAndStridedViewsAreCopied) {
  const std::vector<float> storage = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  // rows 1..2 of a [4,3] tensor: offset 3, contiguous
  auto t = parse_owned(testing::build_torch_zip(
      one_tensor_pickle("FloatStorage", 12, 3, {2, 3}, {3, 1}), {{"0", f32_bytes(storage)}}));
  EXPECT_EQ(as_f32(t->require("w")), (std::vector<float>{3, 4, 5, 6, 7, 8}));
  // transpose of a [3,4] tensor: strides (1, 4)
  auto tt = parse_owned(testing::build_torch_zip(
      one_tensor_pickle("FloatStorage", 12, 0, {4, 3}, {1, 4}), {{"0", f32_bytes(storage)}}));
  EXPECT_EQ(as_f32(tt->require("w")), (std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
}

TEST(TorchPickle, DoubleHalfAndBFloat16StoragesAreRead) {
  const std::vector<double> d = {0.1, -2.5, 1e-3};
  Bytes raw(d.size() * 8);
  std::memcpy(raw.data(), d.data(), raw.size());
  auto t = parse_owned(
      testing::build_torch_zip(one_tensor_pickle("DoubleStorage", 3, 0, {3}, {1}), {{"0", raw}}));
  const TensorInfo& w = t->require("w");
  EXPECT_EQ(w.dtype, DType::F32);  // the engine has no f64: converted on read
  EXPECT_EQ(as_f32(w), (std::vector<float>{0.1f, -2.5f, 1e-3f}));

  const std::uint16_t h[2] = {f32_to_f16(1.5f), f32_to_f16(-0.25f)};
  Bytes hb(4);
  std::memcpy(hb.data(), h, 4);
  auto th = parse_owned(
      testing::build_torch_zip(one_tensor_pickle("HalfStorage", 2, 0, {2}, {1}), {{"0", hb}}));
  EXPECT_EQ(th->require("w").dtype, DType::F16);
  EXPECT_EQ(as_f32(th->require("w")), (std::vector<float>{1.5f, -0.25f}));
  auto tb = parse_owned(testing::build_torch_zip(
      one_tensor_pickle("BFloat16Storage", 2, 0, {1, 2}, {2, 1}), {{"0", hb}}));
  EXPECT_EQ(tb->require("w").dtype, DType::BF16);
}

TEST(TorchPickle, LightningRecordsAndNumpyScalarsAreInertAndSkipped) {
  // {"callbacks": {ModelCheckpoint: {"best": numpy.scalar(dtype, b"..")}}, "state_dict": {"w": t}}
  const Bytes pkl = PickleWriter()
                        .op('}')
                        .str("callbacks")
                        .op('}')
                        .global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint")
                        .op('}')
                        .str("best")
                        .global("numpy.core.multiarray", "scalar")
                        .global("numpy", "dtype")
                        .str("f8")
                        .op(0x85)
                        .op('R')
                        .str("abcdefgh")
                        .op(0x86)
                        .op('R')
                        .op('s')
                        .op('s')
                        .op('s')
                        .str("state_dict")
                        .op('}')
                        .str("w")
                        .tensor("FloatStorage", "0", 2, 0, {2}, {1})
                        .op('s')
                        .op('s')
                        .finish();
  auto t = parse_owned(testing::build_torch_zip(pkl, {{"0", f32_bytes({5, 6})}}));
  ASSERT_EQ(t->tensors().size(), 1u);
  EXPECT_EQ(as_f32(t->require("w")), (std::vector<float>{5, 6}));
  // Those names are inert only as data: calling the lightning class is refused.
  const Bytes call = PickleWriter()
                         .global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint")
                         .op(')')
                         .op('R')
                         .finish();
  EXPECT_NE(error_of(testing::build_torch_zip(call, {})).find("not allowed"), std::string::npos);
}

TEST(TorchPickle, Protocol4FramingAndMemoizeAreUnderstood) {
  // FRAME, SHORT_BINUNICODE, MEMOIZE and BINGET as pickle protocol 4 writes them.
  PickleWriter w;
  w.op(0x95);
  for (int i = 0; i < 8; ++i) w.op(0);
  w.op('}').op(0x94);                 // memo 0 = the dict
  w.op(0x8c).op(1).op('w').op(0x94);  // memo 1 = "w"
  w.tensor("FloatStorage", "0", 1, 0, {1}, {1});
  w.op('s');
  w.op(0x8c).op(1).op('v').op('h').op(1);  // "v" -> BINGET "w" (a str value: skipped)
  w.op('s');
  const Bytes pkl = w.finish();
  auto t = parse_owned(testing::build_torch_zip(pkl, {{"0", f32_bytes({9})}}));
  ASSERT_EQ(t->tensors().size(), 1u);
  EXPECT_EQ(as_f32(t->require("w")), (std::vector<float>{9}));
}

TEST(TorchPickle, CompressedEntriesAreRefusedClearly) {
  Bytes zip = testing::build_torch_zip(one_tensor_pickle("FloatStorage", 1, 0, {1}, {1}),
                                       {{"0", f32_bytes({1})}});
  // Mark every entry deflated (method 8) in the local and central headers.
  for (std::size_t i = 0; i + 4 <= zip.size(); ++i) {
    const std::uint32_t sig =
        zip[i] | zip[i + 1] << 8 | zip[i + 2] << 16 | std::uint32_t{zip[i + 3]} << 24;
    if (sig == 0x04034b50) zip[i + 8] = 8;
    if (sig == 0x02014b50) zip[i + 10] = 8;
  }
  const std::string msg = error_of(zip);
  EXPECT_NE(msg.find("is compressed (method 8)"), std::string::npos) << msg;
}

TEST(TorchPickle, Zip64ArchivesAreRead) {
  const std::vector<float> storage = {1.5f, -2.5f};
  auto t = parse_owned(testing::build_torch_zip(one_tensor_pickle("FloatStorage", 2, 0, {2}, {1}),
                                                {{"0", f32_bytes(storage)}}, /*zip64=*/true));
  EXPECT_EQ(as_f32(t->require("w")), storage);
}

TEST(TorchPickle, ViewsOutsideTheirStorageAreRejected) {
  const Bytes data = f32_bytes({1, 2, 3, 4});
  struct Case {
    const char* what;
    int numel, offset;
    std::vector<int> size, stride;
    const char* message;
  };
  const Case cases[] = {
      {"offset past end", 4, 3, {2}, {1}, "runs past its storage"},
      {"stride past end", 4, 0, {2, 2}, {3, 1}, "runs past its storage"},
      {"storage larger than entry", 8, 0, {8}, {1}, "needs 32"},
      {"negative size", 4, 0, {-1}, {1}, "absurd dimension"},
      {"negative stride", 4, 0, {2}, {-1}, "negative stride"},
      {"negative offset", 4, -1, {1}, {1}, "negative storage offset"},
      {"rank mismatch", 4, 0, {2, 2}, {1}, "ranks differ"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string msg = error_of(testing::build_torch_zip(
        one_tensor_pickle("FloatStorage", c.numel, c.offset, c.size, c.stride), {{"0", data}}));
    EXPECT_NE(msg.find(c.message), std::string::npos) << msg;
  }
  const std::string missing =
      error_of(testing::build_torch_zip(one_tensor_pickle("FloatStorage", 4, 0, {4}, {1}), {}));
  EXPECT_NE(missing.find("missing from the archive"), std::string::npos) << missing;
}

TEST(TorchPickle, LegacyFormatAndForeignFilesGiveClearErrors) {
  const Bytes legacy = testing::read_file(testing::golden_path("io/legacy.pth"));
  EXPECT_NE(error_of(legacy).find("unsupported legacy"), std::string::npos);
  EXPECT_NE(error_of(Bytes{'h', 'e', 'l', 'l', 'o'}).find("not a PyTorch zip"), std::string::npos);
  // A zip without data.pkl
  EXPECT_NE(error_of(testing::build_zip({{"a.txt", Bytes{'x'}}})).find("no <archive>/data.pkl"),
            std::string::npos);
}

void expect_clean(const Bytes& b, const std::string& what) {
  try {
    auto t = parse_torch_zip(b, "fuzz", nullptr);
    for (const TensorInfo& info : t->tensors()) {
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

TEST(TorchPickle, EveryTruncationOfARealFileGivesACleanError) {
  const Bytes full = testing::read_file(testing::golden_path("io/tiny.pth"));
  for (std::size_t n = 0; n < full.size(); ++n) {
    const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(error_of(prefix).empty()) << "prefix of " << n << " bytes accepted";
  }
}

TEST(TorchPickle, RandomBitFlipsNeverCrash) {
  const Bytes full = testing::read_file(testing::golden_path("io/tiny.pth"));
  std::mt19937 rng(99);  // deterministic
  for (int iter = 0; iter < 4000; ++iter) {
    Bytes b = full;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f)
      b[rng() % b.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    expect_clean(b, "iteration " + std::to_string(iter));
  }
}

TEST(TorchPickle, RandomBitFlipsInsideThePickleNeverCrash) {
  // The data.pkl CRC would reject most whole-file flips; fuzz the unpickler directly too.
  const Bytes full = testing::read_file(testing::golden_path("io/tiny.pth"));
  ZipArchive zip(full, "tiny.pth");
  const ZipEntry* e = nullptr;
  for (const ZipEntry& z : zip.entries()) {
    if (z.name.size() > 9 && z.name.compare(z.name.size() - 9, 9, "/data.pkl") == 0) e = &z;
  }
  ASSERT_NE(e, nullptr);
  const auto pkl = zip.read(*e);
  std::mt19937 rng(7);
  int accepted = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    Bytes b(pkl.begin(), pkl.end());
    b[rng() % b.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    try {
      accepted += !unpickle_state_dict(b, "flip").empty();
    } catch (const ModelFormatError&) {
    } catch (const std::exception& ex) {
      ADD_FAILURE() << "iteration " << iter << ": unexpected exception type: " << ex.what();
    }
  }
  EXPECT_LT(accepted, 4000);
}

TEST(TorchPickle, RealTaef2WeightsMatchTorchLoad) {
  std::ifstream f(testing::golden_path("io/taef2_tensors.json"));
  const auto golden = nlohmann::json::parse(f);
  ASSERT_EQ(golden["version"].get<int>(), kFixtureVersion)
      << "re-run tools/reference/io_make_fixtures.py";
  for (const char* part : {"encoder", "decoder"}) {
    SCOPED_TRACE(part);
    auto table =
        open_torch_zip(testing::shared_data_path(std::string("taef2/taef2_") + part + ".pth"));
    const auto& list = golden["files"][part];
    ASSERT_EQ(table->tensors().size(), list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto& g = list[i];
      const TensorInfo& t = table->tensors()[i];
      SCOPED_TRACE(t.name);
      EXPECT_EQ(t.name, g["name"].get<std::string>());
      EXPECT_EQ(dtype_name(t.dtype), g["dtype"].get<std::string>() == "float16" ? "f16" : "f32");
      EXPECT_EQ(dims(t.shape), g["shape"].get<std::vector<std::int64_t>>());
      const auto v = as_f32(t);
      double sum = 0;
      for (float x : v) sum += x;
      // f64 sum of the same f16 values in a different order: only rounding of the sum differs.
      EXPECT_NEAR(sum, g["sum"].get<double>(), 1e-9 * static_cast<double>(v.size()) + 1e-9);
      if (!v.empty()) {
        EXPECT_EQ(v[0], g["first"].get<float>());
      }
    }
  }
}

}  // namespace
}  // namespace pixforge
