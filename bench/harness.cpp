#include "harness.h"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <vector>

#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"

namespace pixforge::bench {

double wall_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

Timing best_of(int repeat, const std::function<void()>& fn) {
  Timing best;
  for (int i = 0; i < std::max(1, repeat); ++i) {
    const double w0 = wall_now(), c0 = cpu_now();
    fn();
    best.cpu = std::min(best.cpu, cpu_now() - c0);
    best.wall = std::min(best.wall, wall_now() - w0);
  }
  return best;
}

Tensor random_tensor(Backend& backend, const Shape& shape, float bound, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-bound, bound);
  std::vector<float> v(static_cast<std::size_t>(shape.numel()));
  for (float& x : v) x = dist(rng);
  return Tensor::from_host(backend, shape, v);
}

Rate matmul_peak(DType compute, int threads) {
  auto be = make_cpu_backend({compute, threads});
  const std::int64_t n = 2048;
  const Tensor x = random_tensor(*be, {n, n});
  const auto w = ops::prepare_linear(*be, random_tensor(*be, {n, n}, 0.05f), nullptr);
  ops::linear(x, *w);  // primitive creation, first-touch of the output
  const Timing t = best_of(5, [&] { ops::linear(x, *w); });
  const double gflop = 2.0 * n * n * n / 1e9;
  const int used = threads > 0 ? threads : 1;
  return {gflop / t.wall, gflop / (t.cpu / used)};
}

namespace {

double conv_flops(double h, double w, double cin, double cout, double k) {
  return 2.0 * h * w * cin * cout * k * k;
}

}  // namespace

double unet_flops(const nn::UNetConfig& c, double h, double w, double ctx_tokens,
                  double* attention_products) {
  const double mc = c.model_channels, emb = 4 * mc;
  double f = 2 * mc * emb + 2 * emb * emb;  // time embedding
  const auto res = [&](double hh, double ww, double cin, double cout) {
    f += conv_flops(hh, ww, cin, cout, 3) + conv_flops(hh, ww, cout, cout, 3) + 2 * emb * cout;
    if (cin != cout) f += conv_flops(hh, ww, cin, cout, 1);
  };
  const auto attn = [&](double hh, double ww, double ch) {
    const double n = hh * ww;
    for (int d = 0; d < c.transformer_depth; ++d) {
      const double products = 2 * 2 * n * n * ch + 2 * 2 * n * ctx_tokens * ch;  // qk, pv
      if (attention_products != nullptr) *attention_products += products;
      f += 4 * 2 * n * ch * ch + 2 * 2 * n * n * ch;  // self: q k v out + qk, pv
      f += 2 * 2 * n * ch * ch + 2 * 2 * ctx_tokens * c.context_dim * ch +
           2 * 2 * n * ctx_tokens * ch;                // cross: q out, k v, qk pv
      f += 2 * n * ch * 8 * ch + 2 * n * 4 * ch * ch;  // GEGLU feed-forward
    }
    f += 2 * 2 * n * ch * ch;  // proj_in, proj_out
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

double vae_decode_flops(const nn::VaeConfig& c, double h, double w) {
  const double top = c.base_channels * c.channel_mult.back();
  double f = 2 * h * w * c.latent_channels * c.latent_channels;  // post_quant_conv (1x1)
  f += conv_flops(h, w, c.latent_channels, top, 3);              // conv_in
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
  return f + conv_flops(hh, ww, ch, c.image_channels, 3);  // conv_out
}

double clip_text_flops(const text::ClipTextConfig& c, int layers, double tokens) {
  const double d = static_cast<double>(c.width), m = static_cast<double>(c.intermediate);
  const double per_layer = 2 * tokens * (4 * d * d + 2 * d * m)  // q k v out, fc1 fc2
                           + 2 * 2 * tokens * tokens * d;        // qk, pv (causal not halved)
  return layers * per_layer;
}

namespace {

// The largest VmHWM seen before any reset: reset_peak_rss() folds it in first.
std::atomic<double> g_earlier_peak{0};

}  // namespace

Memory memory_now() {
  // Lines "VmRSS:   123456 kB"; the four fields are read by name.
  std::ifstream f("/proc/self/status");
  Memory m;
  std::string key;
  double kib = 0;
  while (f >> key) {
    double* field = key == "VmRSS:"     ? &m.rss
                    : key == "VmHWM:"   ? &m.peak
                    : key == "RssFile:" ? &m.rss_file
                    : key == "RssAnon:" ? &m.rss_anon
                                        : nullptr;
    if (field != nullptr && f >> kib) *field = kib / 1024;
    f.ignore(1 << 20, '\n');
  }
  return m;
}

bool reset_peak_rss() {
  const double before = memory_now().peak;
  if (before > g_earlier_peak.load()) g_earlier_peak.store(before);
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
  f.flush();
  return static_cast<bool>(f);
}

double process_peak_rss_mib() { return std::max(g_earlier_peak.load(), memory_now().peak); }

std::string machine_load() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  std::string out = a;
  out.append(" ").append(b).append(" ").append(c);
  return out;
}

Flags::Flags(std::string usage, std::string note)
    : usage_(std::move(usage)), note_(std::move(note)) {}

Flags& Flags::add(Flag flag) {
  flags_.push_back(std::move(flag));
  return *this;
}

Flags& Flags::text(const std::string& name, std::string& target, const std::string& help) {
  return add({name, help, target, true, [&target](const std::string& v) {
                target = v;
                return std::string();
              }});
}

Flags& Flags::choice(const std::string& name, std::string& target,
                     std::initializer_list<const char*> allowed, const std::string& help) {
  std::string list;
  for (const char* a : allowed) {
    if (!list.empty()) list += '|';
    list += a;
  }
  std::vector<std::string> ok(allowed.begin(), allowed.end());
  return add({name, help + " (" + list + ")", target, true,
              [&target, ok, list, name](const std::string& v) {
                if (std::find(ok.begin(), ok.end(), v) == ok.end()) {
                  return name + " must be one of " + list;
                }
                target = v;
                return std::string();
              }});
}

Flags& Flags::number(const std::string& name, int& target, int minimum, const std::string& help) {
  return add(
      {name, help, std::to_string(target), true, [&target, minimum, name](const std::string& v) {
         int n = 0;
         const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
         if (ec != std::errc() || end != v.data() + v.size()) {
           return name + " takes a whole number, not '" + v + "'";
         }
         target = std::max(minimum, n);
         return std::string();
       }});
}

Flags& Flags::toggle(const std::string& name, bool& target, bool value, const std::string& help) {
  return add({name, help, "", false, [&target, value](const std::string&) {
                target = value;
                return std::string();
              }});
}

void Flags::print_help(std::FILE* out) const {
  std::fprintf(out, "usage: %s\n", usage_.c_str());
  for (const Flag& f : flags_) {
    const std::string lhs = f.takes_value ? f.name + " VALUE" : f.name;
    std::fprintf(out, "  %-18s %s", lhs.c_str(), f.help.c_str());
    if (!f.shown_default.empty()) std::fprintf(out, " [default %s]", f.shown_default.c_str());
    std::fprintf(out, "\n");
  }
  std::fprintf(out, "  %-18s %s\n", "--help", "this list");
  if (!note_.empty()) std::fprintf(out, "%s\n", note_.c_str());
}

int Flags::parse(int argc, char** argv) const {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      print_help(stdout);
      return 0;
    }
    const auto f = std::find_if(flags_.begin(), flags_.end(),
                                [&](const Flag& flag) { return flag.name == a; });
    std::string error;
    if (f == flags_.end()) {
      error = "unknown argument " + a;
    } else if (f->takes_value && i + 1 >= argc) {
      error = a + " needs a value";
    } else {
      error = f->set(f->takes_value ? argv[++i] : "");
    }
    if (!error.empty()) {
      std::fprintf(stderr, "%s: %s\n", argv[0], error.c_str());
      print_help(stderr);
      return 2;
    }
  }
  return -1;
}

}  // namespace pixforge::bench
