// UNet and VAE-decode speed on the full SD 1.5 layout at 512x512 (64x64 latent): one UNet
// evaluation at batch 1 and 2 and one VAE decode, in the compute type given, with seconds,
// FLOPs counted from the networks' own configuration (2 x multiply-adds of every convolution,
// linear layer and attention product, as they run at this size), achieved GFLOP/s, and the
// process's peak RSS. For scale: 803 GFLOP per UNet evaluation at batch 1 (PyTorch hooks).
//
//   pixforge-make-test-model /tmp/sd15.safetensors f16 tests/golden/layouts/sd15_*.json
//   bench_unet --model /tmp/sd15.safetensors [--type bf16|f32] [--size 512] [--repeat 2]
//
// Run one compute type per process so each peak RSS is its own. Timings: wall-clock and
// process CPU time, best of --repeat. On a shared machine wall time includes waiting for the
// cores; "cpu/thr" (CPU seconds / threads) is what a quiet machine's wall time would be if the
// threads were busy throughout, and GFLOP/s are given for both.
#include <omp.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>

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
  bool vae = true;
};

double conv_flops(double h, double w, double cin, double cout, double k) {
  return 2.0 * h * w * cin * cout * k * k;
}

// FLOPs of one UNet evaluation per sample at latent h x w, walking the same structure the
// network builds (nn/unet.cpp) from its config.
// `attention_products` (optional) accumulates the q·kᵀ and p·v part.
double unet_flops(const nn::UNetConfig& c, double h, double w, double ctx_tokens,
                  double* attention_products = nullptr) {
  const double mc = c.model_channels, emb = 4 * mc;
  double f = 2 * mc * emb + 2 * emb * emb;  // time embedding
  const auto res = [&](double hh, double ww, double cin, double cout) {
    f += conv_flops(hh, ww, cin, cout, 3) + conv_flops(hh, ww, cout, cout, 3) + 2 * emb * cout;
    if (cin != cout) f += conv_flops(hh, ww, cin, cout, 1);
  };
  const auto attn = [&](double hh, double ww, double ch) {
    const double n = hh * ww;
    f += 2 * 2 * n * ch * ch;                                                  // proj_in, proj_out
    const double products = 2 * 2 * n * n * ch + 2 * 2 * n * ctx_tokens * ch;  // qk, pv
    if (attention_products != nullptr) *attention_products += products;
    f += 4 * 2 * n * ch * ch + 2 * 2 * n * n * ch;  // self: q k v out + qk, pv
    f += 2 * 2 * n * ch * ch + 2 * 2 * ctx_tokens * c.context_dim * ch +
         2 * 2 * n * ctx_tokens * ch;                // cross: q out, k v, qk pv
    f += 2 * n * ch * 8 * ch + 2 * n * 4 * ch * ch;  // GEGLU feed-forward
  };
  const auto has_attn = [&](int level) {
    return std::find(c.attention_levels.begin(), c.attention_levels.end(), level) !=
           c.attention_levels.end();
  };
  f += conv_flops(h, w, c.in_channels, mc, 3);
  std::vector<double> skips{mc};
  double ch = mc, hh = h, ww = w;
  const int levels = static_cast<int>(c.channel_mult.size());
  for (int l = 0; l < levels; ++l) {
    for (int i = 0; i < c.num_res_blocks; ++i) {
      res(hh, ww, ch, mc * c.channel_mult[l]);
      ch = mc * c.channel_mult[l];
      if (has_attn(l)) attn(hh, ww, ch);
      skips.push_back(ch);
    }
    if (l != levels - 1) {
      hh /= 2, ww /= 2;
      f += conv_flops(hh, ww, ch, ch, 3);
      skips.push_back(ch);
    }
  }
  res(hh, ww, ch, ch), attn(hh, ww, ch), res(hh, ww, ch, ch);
  for (int l = levels - 1; l >= 0; --l) {
    for (int i = 0; i <= c.num_res_blocks; ++i) {
      res(hh, ww, ch + skips.back(), mc * c.channel_mult[l]);
      skips.pop_back();
      ch = mc * c.channel_mult[l];
      if (has_attn(l)) attn(hh, ww, ch);
      if (l != 0 && i == c.num_res_blocks) hh *= 2, ww *= 2, f += conv_flops(hh, ww, ch, ch, 3);
    }
  }
  return f + conv_flops(h, w, mc, c.out_channels, 3);
}

// FLOPs of one VAE decode at latent h x w (nn/vae_decoder.cpp's structure).
double vae_decode_flops(const nn::VaeConfig& c, double h, double w) {
  const double top = c.base_channels * c.channel_mult.back();
  double f = 2 * h * w * c.latent_channels * c.latent_channels;  // post_quant_conv
  f += conv_flops(h, w, c.latent_channels, top, 3);
  const auto res = [&](double hh, double ww, double cin, double cout) {
    f += conv_flops(hh, ww, cin, cout, 3) + conv_flops(hh, ww, cout, cout, 3);
    if (cin != cout) f += conv_flops(hh, ww, cin, cout, 1);
  };
  res(h, w, top, top);
  f += 4 * 2 * h * w * top * top + 2 * 2 * (h * w) * (h * w) * top;  // mid attention
  res(h, w, top, top);
  double ch = top, hh = h, ww = w;
  for (int l = static_cast<int>(c.channel_mult.size()) - 1; l >= 0; --l) {
    for (int i = 0; i <= c.num_res_blocks; ++i) {
      res(hh, ww, ch, c.base_channels * c.channel_mult[l]);
      ch = c.base_channels * c.channel_mult[l];
    }
    if (l != 0) hh *= 2, ww *= 2, f += conv_flops(hh, ww, ch, ch, 3);
  }
  return f + conv_flops(hh, ww, ch, c.image_channels, 3);
}

Tensor random(Backend& be, Shape s) {
  std::mt19937 rng(7);
  std::normal_distribution<float> d;
  std::vector<float> v(static_cast<std::size_t>(s.numel()));
  for (float& x : v) x = d(rng);
  return Tensor::from_host(be, s, v);
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Timing {
  double wall = 1e30, cpu = 1e30;
};

Timing best_of(int repeat, const std::function<void()>& fn) {
  Timing best;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = process_cpu_seconds();
    fn();
    best.cpu = std::min(best.cpu, process_cpu_seconds() - c0);
    best.wall = std::min(
        best.wall, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

void report(const char* what, const Timing& t, double flops) {
  const double per_thread = t.cpu / omp_get_max_threads();
  std::printf("%-20s %7.1f GFLOP  wall %7.2f s (%6.1f GFLOP/s)  cpu/thr %7.2f s (%6.1f GFLOP/s)\n",
              what, flops / 1e9, t.wall, flops / 1e9 / t.wall, per_thread,
              flops / 1e9 / per_thread);
}

int run(const Options& o) {
  auto backend = make_cpu_backend({o.type, 0});
  std::printf("compute %s, %dx%d, %d threads, best of %d\n",
              std::string(dtype_name(o.type)).c_str(), o.size, o.size, omp_get_max_threads(),
              o.repeat);
  const Checkpoint ckpt = Checkpoint::open(o.model);
  const auto t0 = std::chrono::steady_clock::now();
  const nn::UNet unet(ckpt.unet(), *backend);
  std::printf("UNet prepared in %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  const std::int64_t lat = o.size / 8;
  for (const std::int64_t batch : {1, 2}) {
    const Tensor x = random(*backend, Shape{batch, lat, lat, 4});
    const Tensor ctx = random(*backend, Shape{batch, 77, 768});
    const std::vector<float> ts(static_cast<std::size_t>(batch), 500.0f);
    unet.forward(x, ts, ctx);  // warm-up: primitive creation, pools
    const Timing s = best_of(o.repeat, [&] { unet.forward(x, ts, ctx); });
    const double side = static_cast<double>(lat);
    double products = 0;
    const double f =
        static_cast<double>(batch) * unet_flops(unet.config(), side, side, 77, &products);
    if (batch == 1) {
      std::printf("UNet FLOPs: %.1f GFLOP, of which attention products (q·kᵀ, p·v) %.1f\n", f / 1e9,
                  products / 1e9);
    }
    report(batch == 1 ? "UNet eval, batch 1" : "UNet eval, batch 2", s, f);
  }
  if (o.vae) {
    const nn::Vae vae(ckpt.vae(), *backend);
    const Tensor z = random(*backend, Shape{1, lat, lat, 4});
    vae.decode(z);
    const Timing s = best_of(o.repeat, [&] { vae.decode(z); });
    report("VAE decode", s,
           vae_decode_flops(vae.config(), static_cast<double>(lat), static_cast<double>(lat)));
  }
  std::printf("peak RSS %.0f MiB\n", peak_rss_mib());
  return 0;
}

}  // namespace
}  // namespace pixforge

int main(int argc, char** argv) {
  pixforge::Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--model" && has_value) {
      o.model = argv[++i];
    } else if (a == "--type" && has_value) {
      const std::string t = argv[++i];
      if (t != "bf16" && t != "f32") {
        std::fprintf(stderr, "--type must be bf16 or f32\n");
        return 2;
      }
      o.type = t == "f32" ? pixforge::DType::F32 : pixforge::DType::BF16;
    } else if (a == "--size" && has_value) {
      o.size = std::atoi(argv[++i]);
    } else if (a == "--repeat" && has_value) {
      o.repeat = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--no-vae") {
      o.vae = false;
    } else {
      std::fprintf(stderr,
                   "usage: bench_unet --model FILE [--type bf16|f32] [--size 512] "
                   "[--repeat 2] [--no-vae]\n");
      return 2;
    }
  }
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
