#include "testing/golden.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "pixforge/core/dtype.h"

namespace pixforge::testing {
namespace {

template <class T>
T read_le(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

const GoldenTensor& Golden::at(const std::string& name) const {
  auto it = tensors.find(name);
  if (it == tensors.end()) throw std::runtime_error("golden has no tensor '" + name + "'");
  return it->second;
}

Golden load_golden(const std::string& path, int expected_version) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open golden file " + path);
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), {});
  if (bytes.size() < 8) throw std::runtime_error("golden file too short: " + path);
  const auto header_len = read_le<std::uint64_t>(bytes.data());
  if (header_len > bytes.size() - 8)
    throw std::runtime_error("golden header overruns file: " + path);
  auto header =
      nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(header_len));
  const unsigned char* base = bytes.data() + 8 + header_len;
  const std::size_t data_size = bytes.size() - 8 - header_len;

  Golden g;
  for (auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      for (auto& [mk, mv] : value.items()) g.metadata[mk] = mv.get<std::string>();
      continue;
    }
    GoldenTensor t;
    t.shape = value.at("shape").get<std::vector<std::int64_t>>();
    const auto offsets = value.at("data_offsets").get<std::vector<std::size_t>>();
    if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size)
      throw std::runtime_error("golden tensor '" + key + "' has bad offsets in " + path);
    const std::string dtype = value.at("dtype").get<std::string>();
    const unsigned char* p = base + offsets[0];
    const std::size_t n = offsets[1] - offsets[0];
    auto take = [&](std::size_t elem, auto convert) {
      if (n % elem) throw std::runtime_error("golden tensor '" + key + "' size mismatch");
      for (std::size_t i = 0; i < n / elem; ++i) convert(p + i * elem);
    };
    if (dtype == "F32") {
      take(4, [&](const unsigned char* q) { t.values.push_back(read_le<float>(q)); });
    } else if (dtype == "F64") {
      take(8, [&](const unsigned char* q) {
        t.values.push_back(static_cast<float>(read_le<double>(q)));
      });
    } else if (dtype == "F16") {
      take(2, [&](const unsigned char* q) {
        t.values.push_back(pixforge::f16_to_f32(read_le<std::uint16_t>(q)));
      });
    } else if (dtype == "I64") {
      take(8, [&](const unsigned char* q) { t.ints.push_back(read_le<std::int64_t>(q)); });
    } else if (dtype == "I32") {
      take(4, [&](const unsigned char* q) { t.ints.push_back(read_le<std::int32_t>(q)); });
    } else {
      throw std::runtime_error("golden tensor '" + key + "' has unsupported dtype " + dtype);
    }
    for (auto v : t.ints) t.values.push_back(static_cast<float>(v));
    g.tensors.emplace(key, std::move(t));
  }
  if (g.metadata["format"] != "pixforge-golden")
    throw std::runtime_error("not a pixforge golden file: " + path);
  if (g.metadata["version"] != std::to_string(expected_version)) {
    throw std::runtime_error(
        "golden " + path + " is version " + g.metadata["version"] + ", the test expects " +
        std::to_string(expected_version) +
        ": re-run its script in tools/reference/ (see the file's 'script' metadata)");
  }
  return g;
}

double Diff::psnr(double peak) const {
  if (rmse == 0) return std::numeric_limits<double>::infinity();
  return 20.0 * std::log10(peak / rmse);
}

Diff compare(const std::vector<float>& actual, const std::vector<float>& expected) {
  Diff d;
  if (actual.size() != expected.size()) {
    d.max_abs = std::numeric_limits<double>::infinity();
    return d;
  }
  double sq = 0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double e = expected[i], a = actual[i], diff = std::fabs(a - e);
    if (!(diff <= d.max_abs)) {  // also catches NaN
      d.max_abs = std::isnan(diff) ? std::numeric_limits<double>::infinity() : diff;
      d.worst_index = i;
    }
    d.max_rel = std::max(d.max_rel, diff / std::max(std::fabs(e), 1e-6));
    sq += diff * diff;
  }
  d.rmse = actual.empty() ? 0 : std::sqrt(sq / static_cast<double>(actual.size()));
  return d;
}

::testing::AssertionResult all_close(const std::vector<float>& actual,
                                     const std::vector<float>& expected, double atol, double rtol) {
  if (actual.size() != expected.size()) {
    return ::testing::AssertionFailure()
           << "size " << actual.size() << " != expected " << expected.size();
  }
  std::ostringstream msg;
  std::size_t bad = 0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double a = actual[i], e = expected[i];
    if (!(std::fabs(a - e) <= atol + rtol * std::fabs(e))) {
      if (bad < 8) msg << "\n  [" << i << "] actual " << a << " expected " << e;
      ++bad;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  const Diff d = compare(actual, expected);
  return ::testing::AssertionFailure()
         << bad << " of " << actual.size() << " values outside atol " << atol << " + rtol " << rtol
         << " (max |diff| " << d.max_abs << " at " << d.worst_index << ", rmse " << d.rmse << ")"
         << msg.str();
}

}  // namespace pixforge::testing
