// Vision models on this machine (issue 5): x4 upscale of a 512x512 photo with each ESRGAN
// model (time, FLOPs, FLOP/s), peak RSS of a tiled 1024x1024 -> 4096x4096 upscale, NSFW
// classification and face detection per image, prompt screening per prompt. Models from
// $PIXFORGE_MODELS or
// ./models (scripts/install-models); photos from ../shared/data/images.
//
//   bench_vision [--benchmark_filter=Upscale]   (threads: OMP_NUM_THREADS, default all cores)
//   bench_vision --profile [--upscale] [--runs 10]
// BM_MatmulPeak gives the machine's f32/bf16 GEMM peak in the same run; the TF.js-wasm
// comparison is tools/reference/tfjs_bench_upscale.mjs.
//
// --profile times every op of NSFW classification and face detection (and, with --upscale, of
// one x4 512² pass per ESRGAN model) through a timing decorator around the CPU backend, per op
// kind and per shape, in wall and process-CPU time. On a shared machine wall time includes
// waiting for a core (and OpenMP barriers waiting for a descheduled thread), so run it with
// OMP_NUM_THREADS=1 to read the compute cost: then CPU time is exactly the work done.
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
using bench::wall_now;

// Memory of the wrapped backend seen as the profiler's, so that ops on tensors allocated
// through the profiler dispatch through it (ops.cpp dispatches on the inputs' backend).
class ProxyBuffer final : public Buffer {
 public:
  ProxyBuffer(std::shared_ptr<Buffer> inner, Backend& owner)
      : inner_(std::move(inner)), owner_(owner) {}
  void* data() override { return inner_->data(); }
  std::size_t size() const override { return inner_->size(); }
  Backend& backend() const override { return owner_; }

 private:
  std::shared_ptr<Buffer> inner_;
  Backend& owner_;
};

// Profiler-side memory seen as the wrapped backend's, for the length of one call.
class AliasBuffer final : public Buffer {
 public:
  AliasBuffer(void* data, std::size_t size, Backend& owner)
      : data_(data), size_(size), owner_(owner) {}
  void* data() override { return data_; }
  std::size_t size() const override { return size_; }
  Backend& backend() const override { return owner_; }

 private:
  void* data_;
  std::size_t size_;
  Backend& owner_;
};

class ProxyWeight final : public PreparedWeight {
 public:
  ProxyWeight(std::shared_ptr<const PreparedWeight> inner, Backend& owner)
      : inner_(std::move(inner)), owner_(owner) {}
  Backend& backend() const override { return owner_; }
  const Shape& shape() const override { return inner_->shape(); }
  bool has_bias() const override { return inner_->has_bias(); }
  Conv2dSpec conv_spec() const override { return inner_->conv_spec(); }
  const PreparedWeight& inner() const { return *inner_; }

 private:
  std::shared_ptr<const PreparedWeight> inner_;
  Backend& owner_;
};

struct Cost {
  double wall = 0, cpu = 0, flops = 0;
  long calls = 0;
};

class ProfilingBackend final : public Backend {
 public:
  explicit ProfilingBackend(Backend& inner) : inner_(inner) {}

  std::string_view name() const override { return inner_.name(); }
  bool is_host() const override { return inner_.is_host(); }
  DType compute_type() const override { return inner_.compute_type(); }
  std::shared_ptr<Buffer> allocate(std::size_t bytes) override {
    return std::make_shared<ProxyBuffer>(inner_.allocate(bytes), *this);
  }
  void write(const Tensor& dst, const void* src, std::size_t bytes) override {
    inner_.write(alias(dst), src, bytes);
  }
  void read(const Tensor& src, void* dst, std::size_t bytes) const override {
    inner_.read(alias(src), dst, bytes);
  }
  bool supports_op(const OpCall& call) const override {
    Unwrapped u = unwrap(call);
    return inner_.supports_op(u.call);
  }
  void compute(const OpCall& call) override {
    Unwrapped u = unwrap(call);
    const double w0 = wall_now(), c0 = cpu_now();
    inner_.compute(u.call);
    if (!recording_) return;
    const double w = wall_now() - w0, c = cpu_now() - c0, f = flops(call);
    std::string by_kind(op_name(call.kind)), by_shape("@");
    by_kind.append(kind_suffix(call));
    by_shape.append(op_name(call.kind)).append(" ").append(signature(call));
    for (const std::string& key : {by_kind, by_shape}) {
      Cost& cost = costs_[key];
      cost.wall += w, cost.cpu += c, cost.flops += f, ++cost.calls;
    }
    total_.wall += w, total_.cpu += c, total_.flops += f, ++total_.calls;
  }
  std::shared_ptr<const PreparedWeight> prepare_weight(const WeightDesc& desc) override {
    return std::make_shared<ProxyWeight>(inner_.prepare_weight(desc), *this);
  }
  MemoryStats memory_stats() const override { return inner_.memory_stats(); }

  void record(bool on) { recording_ = on; }
  void print(int runs, int top) const;

 private:
  struct Unwrapped {
    OpCall call;
    std::array<Tensor, 4> in;
    Tensor out;
  };

  Tensor alias(const Tensor& t) const {
    if (!t.defined()) return t;
    return Tensor(std::make_shared<AliasBuffer>(t.data(), t.nbytes(), inner_), 0, t.shape(),
                  t.dtype());
  }

  Unwrapped unwrap(const OpCall& call) const {
    Unwrapped u;
    u.call = call;
    for (std::size_t i = 0; i < call.in.size(); ++i) {
      if (call.in[i] == nullptr) continue;
      u.in[i] = alias(*call.in[i]);
      u.call.in[i] = &u.in[i];
    }
    if (call.out != nullptr) {
      u.out = alias(*call.out);
      u.call.out = &u.out;
    }
    if (const auto* w = dynamic_cast<const ProxyWeight*>(call.weight)) u.call.weight = &w->inner();
    return u;
  }

  // Convolutions split into depthwise / grouped / dense, the families with different kernels.
  static std::string kind_suffix(const OpCall& call) {
    if (call.kind != OpKind::Conv2d) return "";
    const int groups = call.weight->conv_spec().groups;
    if (groups == 1) return call.weight->shape()[2] == 1 ? " 1x1" : " dense";
    return call.weight->shape()[1] == 1 ? " depthwise" : " grouped";
  }

  static double flops(const OpCall& call) {
    if (call.kind != OpKind::Conv2d && call.kind != OpKind::Linear) return 0.0;
    const Shape& w = call.weight->shape();
    double per_out = 2.0 * static_cast<double>(w[1]);
    if (w.rank() == 4) per_out *= static_cast<double>(w[2] * w[3]);
    return per_out * static_cast<double>(call.out->numel());
  }

  static std::string signature(const OpCall& call) {
    std::string s = call.in[0]->shape().str();
    if (call.weight != nullptr) {
      s += " w" + call.weight->shape().str();
      if (call.kind == OpKind::Conv2d) {
        const Conv2dSpec c = call.weight->conv_spec();
        s += " s" + std::to_string(c.stride_h) + " g" + std::to_string(c.groups);
      }
    }
    if (call.kind == OpKind::Activation) s += " act" + std::to_string(int(call.params.act));
    return s;
  }

  Backend& inner_;
  bool recording_ = false;
  std::map<std::string, Cost> costs_;
  Cost total_;
};

void ProfilingBackend::print(int runs, int top) const {
  const double n = runs;
  std::vector<std::pair<std::string, Cost>> kinds, shapes;
  for (const auto& kv : costs_) (kv.first[0] == '@' ? shapes : kinds).push_back(kv);
  const auto by_cpu = [](const auto& a, const auto& b) { return a.second.cpu > b.second.cpu; };
  std::sort(kinds.begin(), kinds.end(), by_cpu);
  std::sort(shapes.begin(), shapes.end(), by_cpu);
  std::printf("  %-22s %7s %10s %10s %6s %9s\n", "op (per run)", "calls", "wall ms", "cpu ms",
              "cpu%", "GFLOP/s");
  for (const auto& [kind, c] : kinds) {
    std::printf("  %-22s %7.0f %10.2f %10.2f %5.1f%% %9.1f\n", kind.c_str(),
                static_cast<double>(c.calls) / n, 1e3 * c.wall / n, 1e3 * c.cpu / n,
                100 * c.cpu / total_.cpu,
                c.flops > 0 ? c.flops / c.cpu / 1e9 * omp_get_max_threads() : 0.0);
  }
  std::printf("  %-22s %7.0f %10.2f %10.2f %6s %9.1f  (GFLOP/s per cpu/thread second)\n", "all ops",
              static_cast<double>(total_.calls) / n, 1e3 * total_.wall / n, 1e3 * total_.cpu / n,
              "", total_.flops / total_.cpu / 1e9 * omp_get_max_threads());
  std::printf("  costliest shapes (cpu ms per run):\n");
  for (int i = 0; i < top && i < static_cast<int>(shapes.size()); ++i) {
    const auto& [key, c] = shapes[static_cast<std::size_t>(i)];
    std::printf("  %8.2f ms %5.1f%%  %s\n", 1e3 * c.cpu / n, 100 * c.cpu / total_.cpu,
                key.c_str() + 1);
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
  be.print(runs, 12);
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

}  // namespace
}  // namespace pixforge

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--profile") return pixforge::profile_models(argc, argv);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
