// Rates are per main-thread CPU time: on a quiet machine that equals wall time, and on a
// shared one (CI, several builds on 2 cores) it still measures the kernels, not the queueing.
//
// Kernel throughput on this machine: oneDNN matmul peak (f32, bf16), 3x3 convolutions at SD
// UNet shapes, tiled attention at SD 512² self-attention size, each through the engine's own
// ops (so dispatch, staging and post-ops are included). Reports FLOP/s and the peak RSS.
//
//   bench_kernels [--benchmark_filter=Conv]     (threads: OMP_NUM_THREADS, default all cores)
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>

#include "harness.h"
#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"

namespace pixforge {
namespace {

Backend& backend_for(DType compute) {
  static auto f32 = make_cpu_backend({DType::F32, 0});
  static auto bf16 = make_cpu_backend({DType::BF16, 0});
  return compute == DType::F32 ? *f32 : *bf16;
}

// The harness's uniform inputs, with the seed these benchmarks always used.
Tensor random_tensor(Backend& be, const Shape& shape, float bound = 1.0f) {
  return bench::random_tensor(be, shape, bound, 42);
}

void set_flops(benchmark::State& state, double flops_per_iteration) {
  state.counters["FLOP/s"] =
      benchmark::Counter(flops_per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

DType compute_of(const benchmark::State& state) {
  return state.range(0) == 0 ? DType::F32 : DType::BF16;
}

// Square-ish matmul through ops::linear: the machine's practical GEMM peak.
void BM_Matmul(benchmark::State& state) {
  Backend& be = backend_for(compute_of(state));
  const std::int64_t m = state.range(1), k = state.range(2), n = state.range(3);
  Tensor x = random_tensor(be, {m, k});
  auto w = ops::prepare_linear(be, random_tensor(be, {n, k}, 0.05f), nullptr);
  for (auto _ : state) benchmark::DoNotOptimize(ops::linear(x, *w));
  set_flops(state, 2.0 * static_cast<double>(m * n * k));
}
BENCHMARK(BM_Matmul)
    ->ArgNames({"bf16", "M", "K", "N"})
    ->Args({0, 2048, 2048, 2048})
    ->Args({1, 2048, 2048, 2048})
    ->Args({1, 4096, 320, 1280})
    ->Unit(benchmark::kMillisecond);

// A k x k "same" convolution (stride 1, pad k/2) with bias over a random hw x hw x cin map,
// weights uniform in +-weight_bound.
void run_same_conv(benchmark::State& state, std::int64_t hw, std::int64_t cin, std::int64_t cout,
                   int k, float weight_bound, Activation act = Activation::None) {
  Backend& be = backend_for(compute_of(state));
  Tensor x = random_tensor(be, {1, hw, hw, cin});
  Tensor b = random_tensor(be, {cout});
  const int pad = k / 2;
  auto w = ops::prepare_conv2d(be, random_tensor(be, {cout, cin, k, k}, weight_bound), &b,
                               {1, 1, pad, pad, pad, pad, 1, 1, 1});
  for (auto _ : state) benchmark::DoNotOptimize(ops::conv2d(x, *w, act));
  set_flops(state, 2.0 * static_cast<double>(hw * hw * cin * cout * k * k));
}

// 3x3 / pad 1 convolutions at the UNet's resolution levels (512² image, batch 1).
void BM_Conv3x3(benchmark::State& state) {
  run_same_conv(state, state.range(1), state.range(2), state.range(2), 3, 0.02f);
}
BENCHMARK(BM_Conv3x3)
    ->ArgNames({"bf16", "HW", "C"})
    ->ArgsProduct({{0, 1}, {64}, {320}})
    ->ArgsProduct({{0, 1}, {32}, {640}})
    ->ArgsProduct({{0, 1}, {16}, {1280}})
    ->ArgsProduct({{0, 1}, {8}, {1280}})
    ->Unit(benchmark::kMillisecond);

// Depthwise 3x3 (and BlazeFace's 5x5) convolutions with bias + relu6 at MobileNetV2 / BlazeFace
// shapes: memory-bound (9-25 MACs per element), so bytes moved per call decide the time.
void BM_DepthwiseConv(benchmark::State& state) {
  Backend& be = backend_for(compute_of(state));
  const std::int64_t hw = state.range(1), c = state.range(2), k = state.range(4);
  const int stride = static_cast<int>(state.range(3)), pad = static_cast<int>(k / 2);
  Tensor x = random_tensor(be, {1, hw, hw, c});
  Tensor b = random_tensor(be, {c});
  const Conv2dSpec spec{stride, stride, stride == 1 ? pad : 0, pad, stride == 1 ? pad : 0, pad,
                        1,      1,      static_cast<int>(c)};
  auto w = ops::prepare_conv2d(be, random_tensor(be, {c, 1, k, k}, 0.3f), &b, spec);
  Tensor y = ops::conv2d(x, *w, Activation::Relu6);
  for (auto _ : state) benchmark::DoNotOptimize(ops::conv2d(x, *w, Activation::Relu6));
  set_flops(state, 2.0 * static_cast<double>(y.numel() * k * k));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(x.nbytes() + y.nbytes()));
}
BENCHMARK(BM_DepthwiseConv)
    ->ArgNames({"bf16", "HW", "C", "stride", "k"})
    ->ArgsProduct({{0, 1}, {112}, {96}, {2}, {3}})
    ->ArgsProduct({{0, 1}, {56}, {144}, {1}, {3}})
    ->ArgsProduct({{0, 1}, {14}, {576}, {1}, {3}})
    ->ArgsProduct({{0, 1}, {128}, {24}, {1}, {3}})
    ->ArgsProduct({{0, 1}, {64}, {48}, {1}, {5}})
    ->Unit(benchmark::kMicrosecond);

// Pointwise (1x1) convolutions of MobileNetV2 / BlazeFace: thin channels, large maps.
void BM_Pointwise(benchmark::State& state) {
  run_same_conv(state, state.range(1), state.range(2), state.range(3), 1, 0.1f, Activation::Relu6);
}
BENCHMARK(BM_Pointwise)
    ->ArgNames({"bf16", "HW", "Cin", "Cout"})
    ->ArgsProduct({{0, 1}, {112}, {16}, {96}})
    ->ArgsProduct({{0, 1}, {128}, {24}, {24}})
    ->ArgsProduct({{0, 1}, {14}, {96}, {576}})
    ->Unit(benchmark::kMicrosecond);

// The ESRGAN output convolution: many input channels, 3 output channels (RGB), 3x3, at the
// upscaled resolution (2048² for x4 of 512²; 512² here keeps the bench short, same per-pixel cost).
void BM_ConvToRgb(benchmark::State& state) {
  run_same_conv(state, state.range(1), state.range(2), state.range(3), 3, 0.05f);
}
BENCHMARK(BM_ConvToRgb)
    ->ArgNames({"bf16", "HW", "Cin", "Cout"})
    ->ArgsProduct({{0, 1}, {512}, {48}, {3}})
    ->ArgsProduct({{0, 1}, {512}, {64}, {4}})
    ->ArgsProduct({{1}, {2048}, {48}, {3}})
    ->Unit(benchmark::kMillisecond);

// SD 1.5 512² self-attention at the top level: 4096 tokens, 8 heads of 40.
void BM_Attention(benchmark::State& state) {
  Backend& be = backend_for(compute_of(state));
  const std::int64_t n = state.range(1), nk = state.range(2), heads = state.range(3),
                     d = state.range(4);
  Tensor q = random_tensor(be, {1, n, heads * d});
  Tensor k = random_tensor(be, {1, nk, heads * d});
  Tensor v = random_tensor(be, {1, nk, heads * d});
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  for (auto _ : state)
    benchmark::DoNotOptimize(ops::attention(q, k, v, static_cast<int>(heads), scale));
  set_flops(state, 4.0 * static_cast<double>(n * nk * heads * d));
}
BENCHMARK(BM_Attention)
    ->ArgNames({"bf16", "Nq", "Nk", "heads", "D"})
    ->Args({0, 4096, 4096, 8, 40})
    ->Args({1, 4096, 4096, 8, 40})
    ->Args({1, 4096, 77, 8, 40})
    ->Args({1, 1024, 1024, 8, 80})
    ->Unit(benchmark::kMillisecond);

// Memory-bound kernels at the UNet's largest activation (64x64x320, batch 2).
void BM_GroupNormSilu(benchmark::State& state) {
  Backend& be = backend_for(DType::BF16);
  Tensor x = random_tensor(be, {2, 64, 64, 320});
  Tensor g = random_tensor(be, {320}), b = random_tensor(be, {320});
  for (auto _ : state)
    benchmark::DoNotOptimize(ops::group_norm(x, 32, g, b, 1e-5f, Activation::Silu));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(x.nbytes()) * 2);
}
BENCHMARK(BM_GroupNormSilu)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pixforge

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::printf("peak RSS: %.1f MiB\n", pixforge::bench::process_peak_rss_mib());
  return 0;
}
