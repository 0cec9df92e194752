// Vision models on this machine (issue 5): x4 upscale of a 512x512 photo with each ESRGAN
// model (time, FLOPs, FLOP/s), peak RSS of a tiled 1024x1024 -> 4096x4096 upscale, NSFW
// classification and face detection per image, prompt screening per prompt. Models from $PIXFORGE_MODELS or
// ./models (scripts/install-models); photos from ../shared/data/images.
//
//   bench_vision [--benchmark_filter=Upscale]   (threads: OMP_NUM_THREADS, default all cores)
// Compare FLOP/s with bench_kernels' matmul/conv peak; the TF.js-wasm comparison is
// tools/reference/tfjs_bench_upscale.mjs.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/image/codec.h"
#include "pixforge/image/convert.h"
#include "pixforge/safety/screener.h"
#include "pixforge/vision/faces.h"
#include "pixforge/vision/nsfw.h"
#include "pixforge/vision/upscaler.h"

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

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// One pass, untiled, over the 512x512 astronaut: the convolutions dominate.
void BM_Upscale4x_512(benchmark::State& state) {
  const auto model = static_cast<vision::UpscalerModel>(state.range(0));
  const vision::Upscaler up(model, 4, backend());
  const Image photo = read_image_file(shared_image("astronaut.png"));
  const Tensor x = ops::scale_bias(image_to_tensor(backend(), photo, PixelRange::ZeroToOne), 255.0f);
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
  const Image photo = resize_image(read_image_file(shared_image("astronaut.png")), 1024, 1024, ResizeFilter::Lanczos3);
  for (auto _ : state) benchmark::DoNotOptimize(up.upscale(photo));
  state.counters["peak_RSS_MiB"] = peak_rss_mib();
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

}  // namespace
}  // namespace pixforge

BENCHMARK_MAIN();
