// release_resident_pages: a mapped model file's pages leave the process's resident memory
// (the mapping's Rss in /proc/self/smaps drops) while every tensor still reads the same bytes,
// and tensors in ordinary memory are never touched.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "pixforge/io/resident_pages.h"
#include "pixforge/io/safetensors.h"

namespace pixforge {
namespace {

namespace fs = std::filesystem;

// Resident KiB of the mapping that contains `p` (its smaps entry's "Rss:"), -1 if none does.
long mapping_rss_kib(const void* p) {
  const auto addr = reinterpret_cast<std::uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = addr >= lo && addr < hi;
      continue;
    }
    if (inside && line.rfind("Rss:", 0) == 0) return std::stol(line.substr(4));
  }
  return -1;
}

long touch(const TensorInfo& t) {  // reads every byte, so its pages become resident
  long sum = 0;
  const auto* b = static_cast<const std::uint8_t*>(t.data);
  for (std::size_t i = 0; i < t.nbytes; ++i) sum += b[i];
  return sum;
}

class ResidentPagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pixforge-pages-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    // Two 4 MiB f32 tensors: large enough that their pages dominate the mapping's Rss.
    std::mt19937 rng(3);
    for (auto* v : {&a_, &b_}) {
      v->resize(1 << 20);
      for (float& x : *v) x = static_cast<float>(rng()) / 4e9f;
    }
    std::vector<TensorInfo> infos(2);
    infos[0] = {"a", DType::F32, Shape{1 << 20}, a_.data(), a_.size() * 4};
    infos[1] = {"b", DType::F32, Shape{1 << 20}, b_.data(), b_.size() * 4};
    path_ = (dir_ / "two.safetensors").string();
    save_safetensors(path_, infos);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string path_;
  std::vector<float> a_, b_;
};

TEST_F(ResidentPagesTest, DropsMappedPagesAndKeepsValues) {
  const auto table = open_safetensors(path_);
  const TensorInfo& a = table->require("a");
  const TensorInfo& b = table->require("b");
  const long sum_a = touch(a), sum_b = touch(b);
  const long before = mapping_rss_kib(a.data);
  ASSERT_GE(before, 7 * 1024) << "both tensors' 8 MiB should be resident after reading them";

  release_resident_pages(a);
  const long after_a = mapping_rss_kib(a.data);
  // At least a's 4 MiB left resident memory. (The kernel may drop a little more around a
  // large folio; that only means a later read of b faults those pages in again.)
  EXPECT_LE(after_a, before - 4 * 1024 + 8) << "a's 4 MiB should have left resident memory";

  release_resident_pages(*table);
  EXPECT_LE(mapping_rss_kib(a.data), 64) << "the whole file's pages should be gone";

  // Reading again faults the file's bytes back in: nothing changed.
  EXPECT_EQ(std::memcmp(a.data, a_.data(), a.nbytes), 0);
  EXPECT_EQ(std::memcmp(b.data, b_.data(), b.nbytes), 0);
  EXPECT_EQ(touch(a), sum_a);
  EXPECT_EQ(touch(b), sum_b);
}

TEST_F(ResidentPagesTest, LeavesOrdinaryMemoryAlone) {
  // A tensor whose bytes are heap memory (not a file mapping): dropping those pages would zero
  // them, so the call must do nothing.
  std::vector<float> heap = a_;
  const TensorInfo t{"heap", DType::F32, Shape{1 << 20}, heap.data(), heap.size() * 4};
  release_resident_pages(t);
  EXPECT_EQ(heap, a_);
  // A range that starts in a mapping but runs past its end is not wholly file bytes either.
  const auto table = open_safetensors(path_);
  const TensorInfo& b = table->require("b");
  TensorInfo past = b;
  past.nbytes += 1 << 20;
  touch(b);
  const long before = mapping_rss_kib(b.data);
  release_resident_pages(past);
  EXPECT_EQ(mapping_rss_kib(b.data), before);
  TensorInfo none{"empty", DType::F32, Shape{0}, nullptr, 0};
  release_resident_pages(none);  // no data: nothing to do, no crash
}

}  // namespace
}  // namespace pixforge
