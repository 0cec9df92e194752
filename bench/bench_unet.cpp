// UNet and VAE-decode speed on the full SD 1.5 layout at 512x512 (64x64 latent), each network
// loaded and run on its own: the machine's oneDNN matmul peak (same run), one UNet evaluation
// at batch 1 and 2 and one VAE decode, in the compute type given, with seconds, FLOPs counted
// from the networks' own configuration (bench/harness.h), achieved GFLOP/s and % of the peak,
// and the peak RSS of each part. For scale: 803 GFLOP per UNet evaluation at batch 1, 2.5 TFLOP
// per VAE decode.
//
//   pixforge-make-test-model sd15.safetensors f16 tests/golden/layouts/sd15_*.json
//   bench_unet --model sd15.safetensors [--type bf16|f32] [--size 512] [--repeat 2]
//              [--threads N] [--no-unet] [--no-vae]
//
// Run one compute type per process so each peak RSS is its own. Timings: wall-clock and
// process CPU time, best of --repeat. On a shared machine wall time includes waiting for the
// cores; "cpu/thr" (CPU seconds / threads) is what a quiet machine's wall time would be if the
// threads were busy throughout, and GFLOP/s are given for both. The load average is printed
// with every part.
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>

#include "harness.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/io/checkpoint.h"
#include "pixforge/nn/unet.h"
#include "pixforge/nn/vae.h"

namespace pixforge {
namespace {

struct Options {
  std::string model;
  DType type = DType::BF16;
  int size = 512;
  int repeat = 2;
  int threads = 0;
  bool unet = true;
  bool vae = true;
};

void report(const char* what, const bench::Timing& t, double flops, const bench::Rate& peak,
            int threads) {
  const double per_thread = t.cpu / threads;
  const double wall_rate = flops / 1e9 / t.wall, cpu_rate = flops / 1e9 / per_thread;
  std::printf(
      "%-20s %7.1f GFLOP  wall %7.2f s (%6.1f GFLOP/s, %3.0f%% of peak)  cpu/thr %7.2f s "
      "(%6.1f GFLOP/s, %3.0f%%)  peak RSS %.0f MiB  load %s\n",
      what, flops / 1e9, t.wall, wall_rate, 100 * wall_rate / peak.wall, per_thread, cpu_rate,
      100 * cpu_rate / peak.cpu, bench::memory_now().peak, bench::machine_load().c_str());
}

void run_unet(const Options& o, const Checkpoint& ckpt, Backend& backend, const bench::Rate& peak,
              int threads) {
  bench::reset_peak_rss();
  const double t0 = bench::wall_now();
  const nn::UNet unet(ckpt.unet(), backend);
  std::printf("UNet prepared in %.1f s, peak RSS %.0f MiB\n", bench::wall_now() - t0,
              bench::memory_now().peak);
  const std::int64_t lat = o.size / 8;
  for (const std::int64_t batch : {1, 2}) {
    const Tensor x = bench::random_tensor(backend, Shape{batch, lat, lat, 4});
    const Tensor ctx = bench::random_tensor(backend, Shape{batch, 77, 768});
    const std::vector<float> ts(static_cast<std::size_t>(batch), 500.0f);
    unet.forward(x, ts, ctx);  // warm-up: primitive creation, pools
    const bench::Timing s = bench::best_of(o.repeat, [&] { unet.forward(x, ts, ctx); });
    const double side = static_cast<double>(lat);
    double products = 0;
    const double f =
        static_cast<double>(batch) * bench::unet_flops(unet.config(), side, side, 77, &products);
    if (batch == 1) {
      std::printf("UNet FLOPs: %.1f GFLOP, of which attention products (q·kᵀ, p·v) %.1f\n", f / 1e9,
                  products / 1e9);
    }
    report(batch == 1 ? "UNet eval, batch 1" : "UNet eval, batch 2", s, f, peak, threads);
  }
}

void run_vae(const Options& o, const Checkpoint& ckpt, Backend& backend, const bench::Rate& peak,
             int threads) {
  bench::reset_peak_rss();
  const nn::Vae vae(ckpt.vae(), backend);
  const std::int64_t lat = o.size / 8;
  const Tensor z = bench::random_tensor(backend, Shape{1, lat, lat, 4});
  vae.decode(z);  // warm-up: primitive creation, pools
  const bench::Timing s = bench::best_of(o.repeat, [&] { vae.decode(z); });
  const double side = static_cast<double>(lat);
  report("VAE decode", s, bench::vae_decode_flops(vae.config(), side, side), peak, threads);
}

int run(const Options& o) {
  auto backend = make_cpu_backend({o.type, o.threads});
  const int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
  const bench::Rate f32 = bench::matmul_peak(DType::F32, threads);
  const bench::Rate bf16 = bench::matmul_peak(DType::BF16, threads);
  std::printf(
      "matmul 2048^3 peak, %d threads: f32 %.1f GFLOP/s wall (%.1f cpu/thr), bf16 %.1f (%.1f); "
      "load %s\n",
      threads, f32.wall, f32.cpu, bf16.wall, bf16.cpu, bench::machine_load().c_str());
  const bench::Rate& peak = backend->compute_type() == DType::F32 ? f32 : bf16;
  std::printf("compute %s, %dx%d, best of %d\n",
              std::string(dtype_name(backend->compute_type())).c_str(), o.size, o.size, o.repeat);
  const Checkpoint ckpt = Checkpoint::open(o.model);
  if (o.unet) run_unet(o, ckpt, *backend, peak, threads);
  if (o.vae) run_vae(o, ckpt, *backend, peak, threads);
  std::printf("process peak RSS %.0f MiB\n", bench::process_peak_rss_mib());
  return 0;
}

}  // namespace
}  // namespace pixforge

int main(int argc, char** argv) {
  pixforge::Options o;
  std::string type = "bf16";
  const int flags_status =
      pixforge::bench::Flags("bench_unet --model FILE [flags]",
                             "(make the model: pixforge-make-test-model OUT f16 "
                             "tests/golden/layouts/sd15_*.json)")
          .text("--model", o.model, "SD 1.5-layout checkpoint (required)")
          .choice("--type", type, {"bf16", "f32"}, "compute type")
          .number("--size", o.size, std::numeric_limits<int>::min(),
                  "image side in pixels, a positive multiple of 64")
          .number("--repeat", o.repeat, 1, "runs per part, the best is reported")
          .number("--threads", o.threads, 0, "threads; 0: all cores")
          .toggle("--no-unet", o.unet, false, "skip the UNet")
          .toggle("--no-vae", o.vae, false, "skip the VAE decode")
          .parse(argc, argv);
  if (flags_status >= 0) return flags_status;
  o.type = type == "f32" ? pixforge::DType::F32 : pixforge::DType::BF16;
  if (o.model.empty()) {
    std::fprintf(stderr, "bench_unet: --model FILE is required (see pixforge-make-test-model)\n");
    return 2;
  }
  if (o.size <= 0 || o.size % 64 != 0) {
    std::fprintf(stderr, "--size must be a positive multiple of 64\n");
    return 2;
  }
  try {
    return pixforge::run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_unet: %s\n", e.what());
    return 1;
  }
}
