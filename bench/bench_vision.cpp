// Vision models on this machine (issue 5): x4 upscale of a 512x512 photo with each ESRGAN
// model (time, FLOPs, FLOP/s), peak RSS of a tiled 1024x1024 -> 4096x4096 upscale, NSFW
// classification and face detection per image, prompt screening per prompt. Models from
// $PIXFORGE_MODELS or ./models (scripts/install-models); photos from ../shared/data/images.
//
//   bench_vision [--benchmark_filter=Upscale]   (threads: OMP_NUM_THREADS, default all cores)
//   bench_vision --profile [--upscale] [--runs 10]
//   bench_vision --summary [--threads N] [--model slim|medium|thick] [--runs 3]
// BM_MatmulPeak gives the machine's f32/bf16 GEMM peak in the same run; the TF.js-wasm
// comparison is tools/reference/tfjs_bench_upscale.mjs.
//
// --profile times every op of NSFW classification and face detection (and, with --upscale, of
// one x4 512² pass per ESRGAN model) through a timing decorator around the CPU backend, per op
// kind and per shape, in wall and process-CPU time. On a shared machine wall time includes
// waiting for a core (and OpenMP barriers waiting for a descheduled thread), so run it with
// OMP_NUM_THREADS=1 to read the compute cost: then CPU time is exactly the work done.
// --summary prints the README's upscaler numbers (1 and 2 threads, % of the bf16 matmul peak
// measured in the same run, all ops and convolutions alone); see summarize() below.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "harness.h"
#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/image/codec.h"
#include "pixforge/image/convert.h"
#include "pixforge/safety/screener.h"
#include "pixforge/vision/faces.h"
#include "pixforge/vision/nsfw.h"
#include "pixforge/vision/upscaler.h"
#include "profiling_backend.h"

namespace pixforge {
namespace {

Backend& backend() {
  static auto be = make_cpu_backend({DType::BF16, 0});
  return *be;
}

std::string shared_image(const char* name) {
  const char* env = std::getenv("PIXFORGE_SHARED_DATA");
  return std::string(env != nullptr ? env : "../shared/data") + "/images/" + name;
}

// One pass, untiled, over the 512x512 astronaut: the convolutions dominate.
void BM_Upscale4x_512(benchmark::State& state) {
  const auto model = static_cast<vision::UpscalerModel>(state.range(0));
  const vision::Upscaler up(model, 4, backend());
  const Image photo = read_image_file(shared_image("astronaut.png"));
  const Tensor x =
      ops::scale_bias(image_to_tensor(backend(), photo, PixelRange::ZeroToOne), 255.0f);
  for (auto _ : state) benchmark::DoNotOptimize(up.run(x));
  state.counters["FLOP/s"] =
      benchmark::Counter(2.0 * up.macs(512, 512), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP"] = 2.0 * up.macs(512, 512) / 1e9;
  state.SetLabel(std::string(vision::upscaler_model_name(model)));
}
BENCHMARK(BM_Upscale4x_512)->DenseRange(0, 2)->Iterations(1)->Unit(benchmark::kSecond);

// 1024x1024 -> 4096x4096 in 128-pixel tiles: bounded memory is the point (peak RSS reported).
void BM_Upscale4x_1024_tiled(benchmark::State& state) {
  const vision::Upscaler up(vision::UpscalerModel::Slim, 4, backend());
  const Image photo = resize_image(read_image_file(shared_image("astronaut.png")), 1024, 1024,
                                   ResizeFilter::Lanczos3);
  for (auto _ : state) benchmark::DoNotOptimize(up.upscale(photo));
  state.counters["peak_RSS_MiB"] = bench::process_peak_rss_mib();
}
BENCHMARK(BM_Upscale4x_1024_tiled)->Iterations(1)->Unit(benchmark::kSecond);

void BM_NsfwClassify(benchmark::State& state) {
  const vision::NsfwClassifier nsfw(backend());
  const Image photo = read_image_file(shared_image("coffee.png"));
  nsfw.classify(photo);  // warm-up: oneDNN builds its primitives on the first call per shape
  for (auto _ : state) benchmark::DoNotOptimize(nsfw.classify(photo));
}
BENCHMARK(BM_NsfwClassify)->Unit(benchmark::kMillisecond);

void BM_FaceDetect(benchmark::State& state) {
  const vision::FaceDetector det(backend());
  const Image photo = read_image_file(shared_image("astronaut.png"));
  det.detect(photo);  // warm-up (primitive creation)
  for (auto _ : state) benchmark::DoNotOptimize(det.detect(photo));
}
BENCHMARK(BM_FaceDetect)->Unit(benchmark::kMillisecond);

void BM_PromptScreen(benchmark::State& state) {
  const safety::Screener screener;
  const std::vector<std::string> prompts = {
      "a serene mountain lake at sunrise, oil painting, highly detailed, 8k",
      "portrait of an elderly fisherman, dramatic lighting, photorealistic",
      "a n.u.d.e woman on a beach", "chicken breast recipe, food photography",
      "a cyberpunk city street at night with neon reflections and rain"};
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(screener.screen(prompts[i++ % prompts.size()]));
}
BENCHMARK(BM_PromptScreen)->Unit(benchmark::kMicrosecond);

// The machine's GEMM peak through ops::linear (2048³), for the upscalers' % of peak.
void BM_MatmulPeak(benchmark::State& state) {
  const DType type = state.range(0) == 0 ? DType::F32 : DType::BF16;
  auto be = make_cpu_backend({type, 0});
  const std::int64_t n = 2048;
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(static_cast<std::size_t>(n * n));
  for (float& x : v) x = dist(rng);
  const Tensor x = Tensor::from_host(*be, {n, n}, v);
  const auto w = ops::prepare_linear(*be, Tensor::from_host(*be, {n, n}, v), nullptr);
  ops::linear(x, *w);
  for (auto _ : state) benchmark::DoNotOptimize(ops::linear(x, *w));
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(n * n * n),
                                                benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(type == DType::F32 ? "f32" : "bf16");
}
BENCHMARK(BM_MatmulPeak)->DenseRange(0, 1)->Unit(benchmark::kMillisecond);

// ---- --profile: per-op timing through a decorator backend ----

using bench::cpu_now;
using bench::OpCost;
using bench::ProfilingBackend;
using bench::wall_now;

void print_profile(const ProfilingBackend& be, int runs, int top) {
  const double n = runs;
  const OpCost& total = be.total();
  std::printf("  %-22s %7s %10s %10s %6s %9s\n", "op (per run)", "calls", "wall ms", "cpu ms",
              "cpu%", "GFLOP/s");
  for (const auto& [kind, c] : ProfilingBackend::by_cpu(be.by_kind())) {
    std::printf("  %-22s %7.0f %10.2f %10.2f %5.1f%% %9.1f\n", kind.c_str(),
                static_cast<double>(c.calls) / n, 1e3 * c.wall / n, 1e3 * c.cpu / n,
                100 * c.cpu / total.cpu,
                c.flops > 0 ? c.flops / c.cpu / 1e9 * omp_get_max_threads() : 0.0);
  }
  std::printf("  %-22s %7.0f %10.2f %10.2f %6s %9.1f  (GFLOP/s per cpu/thread second)\n", "all ops",
              static_cast<double>(total.calls) / n, 1e3 * total.wall / n, 1e3 * total.cpu / n, "",
              total.flops / total.cpu / 1e9 * omp_get_max_threads());
  std::printf("  costliest shapes (cpu ms per run):\n");
  const auto shapes = ProfilingBackend::by_cpu(be.by_shape());
  for (int i = 0; i < top && i < static_cast<int>(shapes.size()); ++i) {
    const auto& [key, c] = shapes[static_cast<std::size_t>(i)];
    std::printf("  %8.2f ms %5.1f%%  %s\n", 1e3 * c.cpu / n, 100 * c.cpu / total.cpu, key.c_str());
  }
}

template <class Fn>
void profile(const char* what, int runs, Fn run) {
  auto cpu = make_cpu_backend({DType::BF16, 0});
  ProfilingBackend be(*cpu);
  auto job = run(be);  // loads the model on the profiler, returns the call to time
  job();               // warm-up: oneDNN builds its primitives on first use
  be.record(true);
  const double w0 = wall_now(), c0 = cpu_now();
  for (int i = 0; i < runs; ++i) job();
  std::printf("%s: %.2f ms wall, %.2f ms process CPU per run (%d runs, %d threads)\n", what,
              1e3 * (wall_now() - w0) / runs, 1e3 * (cpu_now() - c0) / runs, runs,
              omp_get_max_threads());
  print_profile(be, runs, 12);
}

int profile_models(int argc, char** argv) {
  int runs = 10;
  bool upscale = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--upscale") upscale = true;
    if (a == "--runs" && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
  }
  profile("nsfw MobileNetV2 224²", runs, [](Backend& be) {
    auto nsfw = std::make_shared<vision::NsfwClassifier>(be);
    auto photo = std::make_shared<Image>(read_image_file(shared_image("coffee.png")));
    return [nsfw, photo] { nsfw->classify(*photo); };
  });
  profile("BlazeFace 256²", runs, [](Backend& be) {
    auto det = std::make_shared<vision::FaceDetector>(be);
    auto photo = std::make_shared<Image>(read_image_file(shared_image("astronaut.png")));
    return [det, photo] { det->detect(*photo); };
  });
  if (!upscale) return 0;
  for (auto model :
       {vision::UpscalerModel::Slim, vision::UpscalerModel::Medium, vision::UpscalerModel::Thick}) {
    const std::string what = "x4 512² " + std::string(vision::upscaler_model_name(model));
    profile(what.c_str(), 1, [model](Backend& be) {
      auto up = std::make_shared<vision::Upscaler>(model, 4, be);
      const Image photo = read_image_file(shared_image("astronaut.png"));
      auto x = std::make_shared<Tensor>(
          ops::scale_bias(image_to_tensor(be, photo, PixelRange::ZeroToOne), 255.0f));
      return [up, x] { up->run(*x); };
    });
  }
  return 0;
}

// --summary: the README's upscaler table in one run. For each thread count, the 2048³ bf16
// matmul peak, then per model one untiled x4 512² pass (best of `runs` after a warm-up):
// seconds, GFLOP/s over all ops and over the convolutions alone (the model's FLOPs over the
// time spent in conv2d), each per wall second and per CPU second / threads (what a quiet
// machine's wall time gives with the threads busy), and as % of the same run's peak.
void summarize_upscale(const char* label, vision::UpscalerModel model, int threads, int runs,
                       const bench::Rate& peak) {
  auto cpu = make_cpu_backend({DType::BF16, threads});
  ProfilingBackend be(*cpu);
  const vision::Upscaler up(model, 4, be);
  const Image photo = read_image_file(shared_image("astronaut.png"));
  const Tensor x = ops::scale_bias(image_to_tensor(be, photo, PixelRange::ZeroToOne), 255.0f);
  up.run(x);  // warm-up: primitives, pools
  be.record(true);
  const bench::Timing t = bench::best_of(runs, [&] { up.run(x); });
  be.record(false);
  const double gflop = 2.0 * up.macs(512, 512) / 1e9;
  double conv_wall = 0, conv_cpu = 0;
  for (const auto& [kind, c] : be.by_kind()) {
    if (kind.rfind("conv2d", 0) == 0) conv_wall += c.wall / runs, conv_cpu += c.cpu / runs;
  }
  const double per_thr = t.cpu / threads, conv_thr = conv_cpu / threads;
  std::printf(
      "x4 512² %-6s %d thr: %6.1f GFLOP | wall %6.3f s %6.1f GFLOP/s %3.0f%% | cpu/thr %6.3f s "
      "%6.1f GFLOP/s %3.0f%% | convs: wall %6.1f GFLOP/s %3.0f%%, cpu/thr %6.1f GFLOP/s %3.0f%% "
      "(%2.0f%% of cpu)\n",
      label, threads, gflop, t.wall, gflop / t.wall, 100 * gflop / t.wall / peak.wall, per_thr,
      gflop / per_thr, 100 * gflop / per_thr / peak.cpu, gflop / conv_wall,
      100 * gflop / conv_wall / peak.wall, gflop / conv_thr, 100 * gflop / conv_thr / peak.cpu,
      100 * conv_cpu / (t.cpu > 0 ? t.cpu : 1));
}

int summarize(int argc, char** argv) {
  int runs = 3;
  std::vector<int> thread_counts = {1, 2};
  std::vector<vision::UpscalerModel> models = {
      vision::UpscalerModel::Slim, vision::UpscalerModel::Medium, vision::UpscalerModel::Thick};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    if (a == "--threads" && i + 1 < argc) thread_counts = {std::max(1, std::atoi(argv[++i]))};
    if (a == "--model" && i + 1 < argc) models = {vision::parse_upscaler_model(argv[++i])};
  }
  for (const int threads : thread_counts) {
    const bench::Rate peak = bench::matmul_peak(DType::BF16, threads);
    std::printf("bf16 matmul 2048³ peak, %d thr: %.1f GFLOP/s wall, %.1f per cpu/thr; load %s\n",
                threads, peak.wall, peak.cpu, bench::machine_load().c_str());
    for (const auto model : models) {
      const std::string name(vision::upscaler_model_name(model));
      summarize_upscale(name.c_str(), model, threads, runs, peak);
    }
  }
  return 0;
}

}  // namespace
}  // namespace pixforge

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--profile") return pixforge::profile_models(argc, argv);
    if (std::string(argv[i]) == "--summary") return pixforge::summarize(argc, argv);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
