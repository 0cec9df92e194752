// End-to-end speed on the full SD 1.5 layout at 512x512 (synthetic weights, f16 file):
// this machine's oneDNN matmul peak (f32 and bf16, measured in the same run), then text encode,
// UNet evaluation (batch 1 and 2), VAE decode and a whole 20-step txt2img with CFG, each with
// seconds, FLOPs, GFLOP/s and the fraction of the measured peak; peak RSS at the end.
//
//   pixforge-make-test-model /tmp/sd15.safetensors f16 tests/golden/layouts/sd15_*.json
//   bench_txt2img --model /tmp/sd15.safetensors [--type bf16|f32] [--steps 20] [--json OUT]
//
// FLOP counts are those bench_pytorch_unet.py counts with forward hooks on the same networks
// at 512x512 (2 x multiply-adds of every convolution, linear layer and attention product);
// other sizes are refused rather than reported with wrong counts. Timings are wall-clock, best
// of --repeat runs (the machine is shared; the best run is the least disturbed one).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <string>

#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/nn/unet.h"
#include "pixforge/nn/vae.h"
#include "pixforge/pipeline/generate.h"
#include "pixforge/pipeline/model.h"
#include "pixforge/text/text_conditioner.h"

namespace {

using namespace pixforge;
using Clock = std::chrono::steady_clock;

// Counted by bench/bench_pytorch_unet.py (forward hooks) for SD 1.5 at 512x512.
constexpr double kUnetFlopsBatch1 = 803.5e9;
constexpr double kVaeDecodeFlops = 2480e9;
// CLIP ViT-L/14 text transformer, 77 tokens: 12 layers x (4·768² + 2·768·3072) MACs per token
// x 77 tokens x 2, plus attention 12 x 4 x 77² x 768.
constexpr double kTextFlops =
    12 * (4.0 * 768 * 768 + 2.0 * 768 * 3072) * 77 * 2 + 12 * 4.0 * 77 * 77 * 768;

double seconds_of(const std::function<void()>& fn, int repeat) {
  double best = 1e30;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = Clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

Tensor random_tensor(Backend& be, Shape shape, float bound) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-bound, bound);
  std::vector<float> v(static_cast<std::size_t>(shape.numel()));
  for (float& x : v) x = dist(rng);
  return Tensor::from_host(be, shape, v);
}

// oneDNN matmul peak through ops::linear at 2048³ (what bench_kernels measures as BM_Matmul).
double matmul_peak(DType compute) {
  auto be = make_cpu_backend({compute, 0});
  const std::int64_t n = 2048;
  Tensor x = random_tensor(*be, {n, n}, 1.0f);
  auto w = ops::prepare_linear(*be, random_tensor(*be, {n, n}, 0.05f), nullptr);
  const double s = seconds_of([&] { ops::linear(x, *w); }, 5);
  return 2.0 * n * n * n / s;
}

struct Row {
  const char* name;
  double seconds, flops;
};

void print_row(const Row& r, double peak) {
  const double gflops = r.flops / r.seconds / 1e9;
  std::printf("%-28s %8.3f s  %9.1f GFLOP  %7.1f GFLOP/s  %5.1f%% of peak\n", r.name, r.seconds,
              r.flops / 1e9, gflops, 100.0 * gflops * 1e9 / peak);
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, type = "bf16", json_path;
  int steps = 20, repeat = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--model")
      model_path = argv[i + 1];
    else if (a == "--type")
      type = argv[i + 1];
    else if (a == "--steps")
      steps = std::stoi(argv[i + 1]);
    else if (a == "--repeat")
      repeat = std::stoi(argv[i + 1]);
    else if (a == "--json")
      json_path = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (model_path.empty()) {
    std::fprintf(stderr,
                 "usage: bench_txt2img --model SD15.safetensors [--type bf16|f32] [--steps N] "
                 "[--repeat N] [--json OUT]\n"
                 "  (make the model: pixforge-make-test-model OUT f16 "
                 "tests/golden/layouts/sd15_*.json)\n");
    return 2;
  }
  try {
    const double peak_f32 = matmul_peak(DType::F32);
    const double peak_bf16 = matmul_peak(DType::BF16);
    std::printf("oneDNN matmul peak (2048^3): f32 %.1f GFLOP/s, bf16 %.1f GFLOP/s\n",
                peak_f32 / 1e9, peak_bf16 / 1e9);

    pipeline::GenerationParams params;
    params.prompt = "a lighthouse at dusk, oil painting";
    params.negative_prompt = "blurry";
    params.steps = steps;
    params.seed = 1;
    params.compute = pipeline::parse_compute_type(type);
    const double peak = params.compute == pipeline::ComputeType::F32 ? peak_f32 : peak_bf16;

    std::shared_ptr<const pipeline::Model> model;
    const double load_s = seconds_of(
        [&] { model = pipeline::Model::load(model_path, pipeline::model_options_for(params)); }, 1);
    std::printf("model load (%s): %.2f s\n", type.c_str(), load_s);

    Tensor context;
    const double text_s =
        seconds_of([&] { context = model->text().encode(params.prompt); }, repeat);
    Backend& be = model->backend();
    Row rows[5];
    rows[0] = {"text encode (77 tokens)", text_s, kTextFlops};
    for (int batch : {1, 2}) {
      Tensor x = random_tensor(be, {batch, 64, 64, 4}, 1.0f);
      Tensor ctx = batch == 1 ? context : ops::concat({context, context}, 0);
      const std::vector<float> t(static_cast<std::size_t>(batch), 500.0f);
      model->unet().forward(x, t, ctx);  // warm-up: primitive creation, pool growth
      const double s = seconds_of([&] { model->unet().forward(x, t, ctx); }, repeat);
      rows[batch] = {batch == 1 ? "UNet eval, batch 1" : "UNet eval, batch 2", s,
                     kUnetFlopsBatch1 * batch};
    }
    Tensor latent = random_tensor(be, {1, 64, 64, 4}, 1.0f);
    const double vae_s = seconds_of([&] { model->vae().decode(latent); }, 1);
    rows[3] = {"VAE decode", vae_s, kVaeDecodeFlops};
    const double gen_s = seconds_of([&] { pipeline::generate(*model, params); }, 1);
    rows[4] = {"txt2img 20 steps, CFG", gen_s,
               2 * kTextFlops + steps * 2 * kUnetFlopsBatch1 + kVaeDecodeFlops};
    for (const Row& r : rows) print_row(r, peak);

    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const double rss_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;
    std::printf("peak RSS: %.1f MiB\n", rss_mib);
    if (!json_path.empty()) {
      std::ofstream out(json_path);
      out << "{\"type\": \"" << type << "\", \"peak_f32_gflops\": " << peak_f32 / 1e9
          << ", \"peak_bf16_gflops\": " << peak_bf16 / 1e9 << ", \"text_seconds\": " << text_s
          << ", \"unet_batch1_seconds\": " << rows[1].seconds
          << ", \"unet_batch2_seconds\": " << rows[2].seconds
          << ", \"vae_decode_seconds\": " << vae_s << ", \"txt2img_seconds\": " << gen_s
          << ", \"peak_rss_mib\": " << rss_mib << "}\n";
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_txt2img: %s\n", e.what());
    return 1;
  }
  return 0;
}
