// End-to-end speed and memory on the full SD 1.5 layout at 512x512 (synthetic weights, f16
// file): this machine's oneDNN matmul peak (f32 and bf16, measured in the same run), model load,
// text encode, UNet evaluation (batch 1 and 2), VAE decode and a whole 20-step txt2img with CFG
// split into its phases, each with seconds, FLOPs, GFLOP/s, the fraction of the measured peak
// and the phase's own peak RSS (VmHWM, reset before each phase), plus the load average.
//
//   pixforge-make-test-model sd15.safetensors f16 tests/golden/layouts/sd15_*.json
//   PIXFORGE_DATA=../shared/data bench_txt2img --model sd15.safetensors [--type bf16|f32]
//       [--steps 20] [--repeat 2] [--threads N] [--txt2img-only] [--json OUT]
//
// --txt2img-only loads the model and runs one txt2img, nothing else: the peak RSS of what a
// user's `pixforge generate` does (the full run also holds the UNet's batch-1 buffers and the
// standalone VAE decode's in its pools).
//
// FLOP counts are walked from the networks' configurations (bench/harness.h: 2 x multiply-adds
// of every convolution, linear layer and attention product; norms and elementwise ops are not
// counted): UNet ≈ 803 GFLOP per sample (what bench_pytorch_unet.py counts with forward hooks
// on the same UNet), VAE decode ≈ 2.5 TFLOP, CLIP ViT-L text ≈ 13 GFLOP per 77-token row (a
// CFG prompt pair encodes two).
// Timings are wall-clock, best of --repeat after a warm-up (the machine is shared; the best run
// is the least disturbed one).
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "harness.h"
#include "pixforge/core/ops.h"
#include "pixforge/nn/unet.h"
#include "pixforge/nn/vae.h"
#include "pixforge/pipeline/generate.h"
#include "pixforge/pipeline/model.h"
#include "pixforge/text/clip_text_encoder.h"
#include "pixforge/text/text_conditioner.h"

namespace pixforge {
namespace {

struct Options {
  std::string model, type = "bf16", json;
  int steps = 20, repeat = 2, threads = 0;
  bool txt2img_only = false;
};

double mib(std::size_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

// cpu_per_thread: process CPU seconds / threads, what the wall time would be on a quiet
// machine with the threads busy throughout (0 where not measured); the shared machine's wall
// time includes waiting for the cores.
struct Row {
  std::string name;
  double seconds = 0, flops = 0, peak_rss = 0, cpu_per_thread = 0;
};

void print_row(const Row& r, double peak) {
  char cpu[32] = "";
  if (r.cpu_per_thread > 0) std::snprintf(cpu, sizeof cpu, "cpu/thr %8.3f s", r.cpu_per_thread);
  if (r.flops > 0) {
    const double gflops = r.flops / r.seconds / 1e9;
    std::printf("%-30s %8.3f s %9.1f GFLOP %7.1f GFLOP/s %5.1f%% of peak  peak RSS %6.0f MiB  %s\n",
                r.name.c_str(), r.seconds, r.flops / 1e9, gflops, 100.0 * gflops / peak, r.peak_rss,
                cpu);
  } else {
    std::printf("%-30s %8.3f s %58s peak RSS %6.0f MiB  %s\n", r.name.c_str(), r.seconds, "",
                r.peak_rss, cpu);
  }
}

// Runs `fn` in its own peak-RSS window; the row gets its best time and that window's peak.
Row phase(const std::string& name, double flops, int repeat, int threads,
          const std::function<void()>& fn) {
  bench::reset_peak_rss();
  const bench::Timing t = bench::best_of(repeat, fn);
  return {name, t.wall, flops, bench::memory_now().peak, t.cpu / threads};
}

// One txt2img, split at its progress callbacks: text encode + step 1, steps 2..N, VAE decode
// (+ image conversion), each with its own peak-RSS window.
std::vector<Row> txt2img_phases(const pipeline::Model& model, const pipeline::GenerationParams& p,
                                int threads, double text_flops, double step_flops,
                                double vae_flops) {
  std::vector<double> at, cpu_at;  // wall and process CPU time at each step's end
  std::vector<double> peaks;
  MemoryStats arena;
  pipeline::GenerateOptions go;
  go.previews = false;
  go.on_progress = [&](const pipeline::Progress& pr) {
    at.push_back(bench::wall_now());
    cpu_at.push_back(bench::cpu_now());
    if (pr.step == 1 || pr.step == pr.steps) {
      peaks.push_back(bench::memory_now().peak);
      bench::reset_peak_rss();
    }
    if (pr.step == pr.steps) arena = model.backend().memory_stats();
    return true;
  };
  bench::reset_peak_rss();
  const double t0 = bench::wall_now(), c0 = bench::cpu_now();
  pipeline::generate(model, p, go);
  const double t1 = bench::wall_now(), c1 = bench::cpu_now();
  const double decode_peak = bench::memory_now().peak;
  const double first = at.front() - t0;
  const double steps_s = at.back() - at.front();
  const double per_step = p.steps > 1 ? steps_s / (p.steps - 1) : first;
  const double all_peak = std::max({peaks.front(), peaks.back(), decode_peak});
  // The backend's arena after sampling: bytes in use include the prepared weights.
  std::printf(
      "arena after sampling: %.0f MiB in use (weights and live tensors), %.0f MiB pooled, "
      "%.0f MiB at its peak\n",
      mib(arena.bytes_in_use), mib(arena.bytes_pooled), mib(arena.peak_bytes));
  const double thr = threads;
  const double steps_cpu = (cpu_at.back() - cpu_at.front()) / thr;
  return {
      {"txt2img " + std::to_string(p.steps) + " steps, CFG", t1 - t0,
       text_flops + p.steps * step_flops + vae_flops, all_peak, (c1 - c0) / thr},
      {"  text encode + step 1", first, text_flops + step_flops, peaks.front(),
       (cpu_at.front() - c0) / thr},
      {"  steps 2.." + std::to_string(p.steps), steps_s, (p.steps - 1) * step_flops,
       p.steps > 1 ? peaks.back() : 0, steps_cpu},
      {"  (one step, batch 2)", per_step, step_flops, 0,
       p.steps > 1 ? steps_cpu / (p.steps - 1) : 0},
      {"  VAE decode + image", t1 - at.back(), vae_flops, decode_peak, (c1 - cpu_at.back()) / thr},
  };
}

int run(const Options& o) {
  const int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
  std::printf("load average before: %s\n", bench::machine_load().c_str());
  const bench::Rate f32 = bench::matmul_peak(DType::F32, threads);
  const bench::Rate bf16 = bench::matmul_peak(DType::BF16, threads);
  std::printf("oneDNN matmul peak (2048^3, %d threads): f32 %.1f GFLOP/s, bf16 %.1f GFLOP/s\n",
              threads, f32.wall, bf16.wall);

  pipeline::GenerationParams params;
  params.prompt = "a lighthouse at dusk, oil painting";
  params.negative_prompt = "blurry";
  params.width = params.height = 512;
  params.steps = o.steps;
  params.seed = 1;
  params.threads = o.threads;
  params.compute = pipeline::parse_compute_type(o.type);
  const double peak = params.compute == pipeline::ComputeType::F32 ? f32.wall : bf16.wall;

  std::vector<Row> rows;
  std::shared_ptr<const pipeline::Model> model;
  rows.push_back(phase("model load", 0, 1, threads, [&] {
    model = pipeline::Model::load(o.model, pipeline::model_options_for(params));
  }));
  const bench::Memory loaded = bench::memory_now();
  const std::size_t weights_bytes = model->backend().memory_stats().bytes_in_use;
  std::printf(
      "after load: RSS %.0f MiB (file-backed %.0f, anonymous %.0f); prepared weights %.0f MiB\n",
      loaded.rss, loaded.rss_file, loaded.rss_anon, mib(weights_bytes));

  const text::ClipTextEncoder& clip = model->text_encoder();
  const double text_flops = bench::clip_text_flops(clip.config(), clip.prepared_layers(), 77);
  const double unet1 = bench::unet_flops(model->unet().config(), 64, 64, 77);
  const double vae_flops = bench::vae_decode_flops(model->vae().config(), 64, 64);
  // CFG: uncond and cond in one encoder batch (2 rows) and one batch-2 UNet call per step.
  const double step_flops = 2 * unet1;

  if (!o.txt2img_only) {
    Tensor context = model->text().encode(params.prompt);  // warm-up: primitives, pools
    rows.push_back(phase("text encode (77 tokens)", text_flops, o.repeat, threads,
                         [&] { context = model->text().encode(params.prompt); }));
    Backend& be = model->backend();
    for (int batch : {1, 2}) {
      const Tensor x = bench::random_tensor(be, {batch, 64, 64, 4});
      const Tensor ctx = batch == 1 ? context : ops::concat({context, context}, 0);
      const std::vector<float> t(static_cast<std::size_t>(batch), 500.0f);
      model->unet().forward(x, t, ctx);  // warm-up: primitive creation, pool growth
      rows.push_back(phase("UNet eval, batch " + std::to_string(batch), unet1 * batch, o.repeat,
                           threads, [&] { model->unet().forward(x, t, ctx); }));
    }
    const Tensor latent = bench::random_tensor(be, {1, 64, 64, 4});
    model->vae().decode(latent);  // warm-up
    rows.push_back(
        phase("VAE decode", vae_flops, o.repeat, threads, [&] { model->vae().decode(latent); }));
  }
  for (Row& r : txt2img_phases(*model, params, threads, 2 * text_flops, step_flops, vae_flops)) {
    rows.push_back(std::move(r));
  }
  for (const Row& r : rows) print_row(r, peak);
  const double process_peak = bench::process_peak_rss_mib();
  std::printf("process peak RSS: %.0f MiB; load average after: %s\n", process_peak,
              bench::machine_load().c_str());
  // Issue 3's bound: peak RSS <= the weights in their compute dtype + 512 MiB.
  const double weights = mib(weights_bytes);
  std::printf("prepared weights %.0f MiB + 512 = %.0f MiB; peak is %+.0f MiB from that\n", weights,
              weights + 512, process_peak - (weights + 512));
  if (!o.json.empty()) {
    std::ofstream out(o.json);
    out << "{\"type\": \"" << o.type << "\", \"peak_f32_gflops\": " << f32.wall
        << ", \"peak_bf16_gflops\": " << bf16.wall << ", \"peak_rss_mib\": " << process_peak
        << ", \"load\": \"" << bench::machine_load() << "\"";
    // Flat keys read by bench_pytorch_unet.py --ours (for the PyTorch ratio).
    for (const Row& r : rows) {
      if (r.name == "UNet eval, batch 1") out << ", \"unet_batch1_seconds\": " << r.seconds;
      if (r.name == "UNet eval, batch 2") out << ", \"unet_batch2_seconds\": " << r.seconds;
    }
    out << ", \"phases\": {";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      out << (i ? ", " : "") << "\"" << rows[i].name << "\": {\"seconds\": " << rows[i].seconds
          << ", \"cpu_per_thread_seconds\": " << rows[i].cpu_per_thread
          << ", \"gflop\": " << rows[i].flops / 1e9 << ", \"peak_rss_mib\": " << rows[i].peak_rss
          << "}";
    }
    out << "}}\n";
  }
  return 0;
}

}  // namespace
}  // namespace pixforge

int main(int argc, char** argv) {
  pixforge::Options o;
  const int flags_status =
      pixforge::bench::Flags("bench_txt2img --model SD15.safetensors [flags]",
                             "(make the model: pixforge-make-test-model OUT f16 "
                             "tests/golden/layouts/sd15_*.json)")
          .text("--model", o.model, "SD 1.5-layout checkpoint (required)")
          .choice("--type", o.type, {"bf16", "f32"}, "compute type")
          .number("--steps", o.steps, 1, "txt2img steps")
          .number("--repeat", o.repeat, 1, "runs per phase, the best is reported")
          .number("--threads", o.threads, 0, "threads; 0: all cores")
          .text("--json", o.json, "also write the results to this JSON file")
          .toggle("--txt2img-only", o.txt2img_only, true,
                  "load the model and run one txt2img, nothing else (a user's peak RSS)")
          .parse(argc, argv);
  if (flags_status >= 0) return flags_status;
  if (o.model.empty()) {
    std::fprintf(stderr, "bench_txt2img: --model is required (--help lists the flags)\n");
    return 2;
  }
  try {
    return pixforge::run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_txt2img: %s\n", e.what());
    return 1;
  }
}
