// What the SD benchmarks share: wall and CPU timing, the oneDNN matmul peak, random inputs,
// FLOP counts walked from the networks' configurations, and memory figures from the kernel
// (peak RSS per phase via /proc/self/clear_refs, resident file vs anonymous memory), plus the
// machine's load average so every number can be read next to how busy the machine was; and the
// small flag parser the benchmarks' command lines share.
#pragma once

#include <cstdio>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "pixforge/core/backend.h"
#include "pixforge/nn/unet.h"
#include "pixforge/nn/vae.h"
#include "pixforge/text/clip_text_encoder.h"

namespace pixforge::bench {

double wall_now();  // seconds, steady clock
double cpu_now();   // process CPU seconds (all threads)

// Best (least disturbed) of `repeat` runs, in wall and process CPU seconds.
struct Timing {
  double wall = 1e30, cpu = 1e30;
};
Timing best_of(int repeat, const std::function<void()>& fn);

// GFLOP/s per wall second and per CPU second / threads (what a quiet machine's wall time
// would give with the threads busy throughout).
struct Rate {
  double wall = 0, cpu = 0;
};
// A 2048³ matmul through ops::linear, best of 5 after a warm-up: the practical GEMM peak.
Rate matmul_peak(DType compute, int threads);

// Uniform in [-bound, bound], same values for the same shape and seed.
Tensor random_tensor(Backend& backend, const Shape& shape, float bound = 1.0f, unsigned seed = 7);

// FLOPs (2 x multiply-adds of every convolution, linear layer and attention product; norms and
// elementwise ops are not counted) of one evaluation per sample, walked from the structure
// nn/unet.cpp builds: ≈ 803 GFLOP for SD 1.5 at a 64x64 latent and 77 context tokens.
// `attention_products` (optional) accumulates the q·kᵀ and p·v part.
double unet_flops(const nn::UNetConfig& c, double h, double w, double ctx_tokens,
                  double* attention_products = nullptr);
// One VAE decode per sample at latent h x w (nn/vae_decoder.cpp's structure): ≈ 2.5 TFLOP for
// the SD KL-f8 decoder at 64x64 -> 512x512.
double vae_decode_flops(const nn::VaeConfig& c, double h, double w);
// One CLIP text-encoder row of `tokens` tokens through `layers` layers.
double clip_text_flops(const text::ClipTextConfig& c, int layers, double tokens);

// Memory as the kernel counts it (/proc/self/status), in MiB.
struct Memory {
  double rss = 0;       // VmRSS now
  double peak = 0;      // VmHWM: peak since start or since the last reset_peak_rss()
  double rss_file = 0;  // RssFile: file-backed pages (e.g. a mapped checkpoint)
  double rss_anon = 0;  // RssAnon: heap, weights, activations
};
Memory memory_now();
// Starts a new peak-RSS window (writes "5" to /proc/self/clear_refs). Returns false where the
// kernel does not allow it; VmHWM then keeps the whole-process peak.
bool reset_peak_rss();
// The whole process's peak RSS (getrusage), MiB: unaffected by reset_peak_rss().
double process_peak_rss_mib();

// "1-min 5-min 15-min" load averages from /proc/loadavg.
std::string machine_load();

// `--name VALUE` options and `--name` switches, each with a help line; `--help` lists them.
// Numbers must be whole numbers; one below an option's minimum is raised to it (so --threads 0
// or -1 means "all cores", as the benchmarks always read them).
class Flags {
 public:
  // `usage`: the synopsis line after "usage: "; `note`: printed after the flag list.
  Flags(std::string usage, std::string note = "");

  Flags& text(const std::string& name, std::string& target, const std::string& help);
  // One of `allowed`, else a parse error naming them.
  Flags& choice(const std::string& name, std::string& target,
                std::initializer_list<const char*> allowed, const std::string& help);
  Flags& number(const std::string& name, int& target, int minimum, const std::string& help);
  // A switch: sets `target` to `value` when given.
  Flags& toggle(const std::string& name, bool& target, bool value, const std::string& help);

  // Parses argv[1..]. Returns -1 to go on; otherwise the exit status: 0 after --help (the flag
  // list on stdout), 2 after an unknown flag, a missing value or a bad number (the error and
  // the flag list on stderr).
  int parse(int argc, char** argv) const;
  // The usage line and one line per flag with its help and default.
  void print_help(std::FILE* out) const;

 private:
  struct Flag {
    std::string name, help, shown_default;
    bool takes_value = true;
    // Stores the value; returns an error message, or "" when it was taken.
    std::function<std::string(const std::string&)> set;
  };
  Flags& add(Flag flag);

  std::string usage_, note_;
  std::vector<Flag> flags_;
};

}  // namespace pixforge::bench
