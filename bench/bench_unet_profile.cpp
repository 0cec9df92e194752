// Where one SD 1.5 UNet evaluation spends its time on the CPU backend: the machine's oneDNN
// matmul peak (f32, bf16, through ops::linear), one UNet evaluation at 512² (64x64 latent) at
// batch 1 and 2 with seconds, GFLOP/s and % of the bf16 peak, a per-op-kind table and the
// costliest op shapes, and the process's peak RSS. Weights are the synthetic ones of the real
// layout (tools/synthetic), built in memory, so no model file is needed.
//
//   bench_unet_profile [--type bf16|f32] [--threads 2] [--size 512] [--top 15]
//                      [--layout tests/golden/layouts/sd15_unet.json]   (from the repo root)
//
// Per-op times come from a timing decorator around the CPU backend: every compute() is timed
// in wall and process CPU seconds. Wall time lies on a shared machine (it includes waiting for
// the cores), so GFLOP/s are also given per "cpu/thr" (process CPU seconds / threads), which is
// what a quiet machine's wall time would be with the threads busy throughout. OpenMP threads
// that spin between ops add a little CPU time that no op is charged with.
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "harness.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/nn/unet.h"
#include "profiling_backend.h"
#include "synthetic_weights.h"

namespace pixforge {
namespace {

using bench::OpCost;
using bench::ProfilingBackend;

void print_profile(const ProfilingBackend& be, int top) {
  const int threads = omp_get_max_threads();
  const OpCost& total = be.total();
  std::printf("  %-16s %7s %9s %7s %10s %7s\n", "op", "calls", "wall s", "wall%", "cpu/thr s",
              "cpu%");
  for (const auto& [kind, c] : ProfilingBackend::by_cpu(be.by_kind())) {
    std::printf("  %-16s %7ld %9.3f %6.1f%% %10.3f %6.1f%%\n", kind.c_str(), c.calls, c.wall,
                100 * c.wall / total.wall, c.cpu / threads, 100 * c.cpu / total.cpu);
  }
  std::printf("  %-16s %7ld %9.3f %7s %10.3f\n", "all ops", total.calls, total.wall, "",
              total.cpu / threads);
  const auto shapes = ProfilingBackend::by_cpu(be.by_shape());
  std::printf("  costliest op shapes (by CPU time):\n");
  for (int i = 0; i < top && i < static_cast<int>(shapes.size()); ++i) {
    const auto& [key, c] = shapes[static_cast<std::size_t>(i)];
    std::printf("  %6.1f%% %9.3f s cpu/thr %5ld calls  %s\n", 100 * c.cpu / total.cpu,
                c.cpu / threads, c.calls, key.c_str());
  }
}

struct Options {
  DType type = DType::BF16;
  int threads = 2;
  int size = 512;
  int top = 15;
  std::string layout = "tests/golden/layouts/sd15_unet.json";  // run from the repository root
};

int run(const Options& o) {
  const bench::Rate f32_peak = bench::matmul_peak(DType::F32, o.threads);
  const bench::Rate bf16_peak = bench::matmul_peak(DType::BF16, o.threads);
  std::printf(
      "matmul 2048^3 peak, %d threads: f32 %.1f GFLOP/s wall, %.1f cpu/thr; "
      "bf16 %.1f GFLOP/s wall, %.1f cpu/thr; load %s\n",
      o.threads, f32_peak.wall, f32_peak.cpu, bf16_peak.wall, bf16_peak.cpu,
      bench::machine_load().c_str());
  const bench::Rate& peak = o.type == DType::F32 ? f32_peak : bf16_peak;

  auto cpu = make_cpu_backend({o.type, o.threads});
  ProfilingBackend be(*cpu);
  const auto layout = synthetic::read_layout(o.layout);
  const double t0 = bench::wall_now();
  std::unique_ptr<nn::UNet> unet;
  {
    const auto source = synthetic::make_component_source(layout, "model.diffusion_model.");
    unet = std::make_unique<nn::UNet>(*source, be);
  }
  std::printf("UNet (SD 1.5 layout, synthetic weights, compute %s) prepared in %.1f s\n",
              std::string(dtype_name(cpu->compute_type())).c_str(), bench::wall_now() - t0);
  const std::int64_t lat = o.size / 8;
  for (const std::int64_t batch : {1, 2}) {
    const Tensor x = bench::random_tensor(be, Shape{batch, lat, lat, 4});
    const Tensor ctx = bench::random_tensor(be, Shape{batch, 77, 768});
    const std::vector<float> ts(static_cast<std::size_t>(batch), 500.0f);
    unet->forward(x, ts, ctx);  // warm-up: primitive creation, pools
    be.clear();
    be.record(true);
    const bench::Timing t = bench::best_of(1, [&] { unet->forward(x, ts, ctx); });
    be.record(false);
    const double gflop =
        static_cast<double>(batch) *
        bench::unet_flops(unet->config(), static_cast<double>(lat), static_cast<double>(lat), 77) /
        1e9;
    const double per_thr = t.cpu / o.threads;
    std::printf(
        "UNet eval %dx%d batch %ld: %.1f GFLOP, wall %.2f s (%.1f GFLOP/s, %.0f%% of peak), "
        "cpu/thr %.2f s (%.1f GFLOP/s, %.0f%% of peak); load %s\n",
        o.size, o.size, static_cast<long>(batch), gflop, t.wall, gflop / t.wall,
        100 * gflop / t.wall / peak.wall, per_thr, gflop / per_thr,
        100 * gflop / per_thr / peak.cpu, bench::machine_load().c_str());
    print_profile(be, o.top);
  }
  std::printf("peak RSS %.0f MiB\n", bench::process_peak_rss_mib());
  return 0;
}

}  // namespace
}  // namespace pixforge

int main(int argc, char** argv) {
  pixforge::Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--type" && has_value) {
      const std::string t = argv[++i];
      if (t != "bf16" && t != "f32") {
        std::fprintf(stderr, "--type must be bf16 or f32\n");
        return 2;
      }
      o.type = t == "f32" ? pixforge::DType::F32 : pixforge::DType::BF16;
    } else if (a == "--threads" && has_value) {
      o.threads = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--size" && has_value) {
      o.size = std::atoi(argv[++i]);
    } else if (a == "--layout" && has_value) {
      o.layout = argv[++i];
    } else if (a == "--top" && has_value) {
      o.top = std::max(0, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr,
                   "usage: bench_unet_profile [--type bf16|f32] [--threads 2] [--size 512] "
                   "[--top 15] [--layout tests/golden/layouts/sd15_unet.json]\n");
      return 2;
    }
  }
  if (o.size <= 0 || o.size % 64 != 0) {
    std::fprintf(stderr, "--size must be a positive multiple of 64\n");
    return 2;
  }
  try {
    return pixforge::run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_unet_profile: %s\n", e.what());
    return 1;
  }
}
