#include "pixforge/sampling/sampler.h"

#include <array>
#include <cmath>
#include <string>

#include "pixforge/sampling/brownian_tree.h"
#include "sampler_steps.h"

namespace pixforge::sampling {
namespace detail {

Run::Run(const Denoiser& denoiser, std::span<const float> sigmas, const SamplerContext& context)
    : denoiser_(denoiser), sigmas_(sigmas), context_(context) {}

void Run::check_cancel() const {
  if (context_.cancel != nullptr && context_.cancel->load()) throw Cancelled();
}

Tensor Run::denoise(const Tensor& x, double sigma) const {
  Tensor out = denoiser_(x, static_cast<float>(sigma));
  if (!out.defined() || out.shape() != x.shape()) {
    throw std::runtime_error("denoiser returned " +
                             (out.defined() ? out.shape().str() : "nothing") + " for a latent of " +
                             x.shape().str());
  }
  return out;
}

Tensor Run::begin_step(int i, const Tensor& x) const {
  check_cancel();
  Tensor denoised = denoise(x, sigma(i));
  if (context_.on_step) {
    StepInfo info;
    info.step = i;
    info.total = steps();
    info.sigma = sigmas_[static_cast<std::size_t>(i)];
    info.sigma_next = sigmas_[static_cast<std::size_t>(i) + 1];
    info.x = &x;
    info.denoised = &denoised;
    if (!context_.on_step(info)) throw Cancelled();
  }
  return denoised;
}

Tensor Run::noise(const Tensor& like) const {
  if (context_.noise == nullptr) throw std::invalid_argument("sampler needs a noise sampler");
  Tensor n = context_.noise->next(like.backend());
  if (n.shape() != like.shape()) {
    throw std::invalid_argument("noise sampler shape " + n.shape().str() + " != latent " +
                                like.shape().str());
  }
  return n;
}

Tensor Run::sde_noise(const Tensor& like, float sigma, float sigma_next) const {
  if (context_.sde_noise == nullptr) return noise(like);
  Tensor n = context_.sde_noise->draw(like.backend(), sigma, sigma_next);
  if (n.shape() != like.shape()) {
    throw std::invalid_argument("SDE noise shape " + n.shape().str() + " != latent " +
                                like.shape().str());
  }
  return n;
}

}  // namespace detail

namespace {

struct Entry {
  SamplerKind kind;
  std::string_view name;
  bool noise;
  bool discard_penultimate;
};

constexpr Entry kSamplers[] = {
    {SamplerKind::Euler, "euler", false, false},
    {SamplerKind::EulerAncestral, "euler_ancestral", true, false},
    {SamplerKind::Heun, "heun", false, false},
    {SamplerKind::Dpm2, "dpm_2", false, true},
    {SamplerKind::Dpm2Ancestral, "dpm_2_ancestral", true, true},
    {SamplerKind::Dpmpp2sAncestral, "dpmpp_2s_ancestral", true, false},
    {SamplerKind::DpmppSde, "dpmpp_sde", true, false},
    {SamplerKind::Dpmpp2m, "dpmpp_2m", false, false},
    {SamplerKind::Dpmpp2mSde, "dpmpp_2m_sde", true, false},
    {SamplerKind::Lcm, "lcm", true, false},
    {SamplerKind::Ddim, "ddim", false, false},
};

const Entry& entry(SamplerKind kind) {
  for (const auto& e : kSamplers) {
    if (e.kind == kind) return e;
  }
  throw std::invalid_argument("unknown sampler kind");
}

void check_sigmas(std::span<const float> sigmas) {
  if (sigmas.empty()) throw std::invalid_argument("sample: empty sigma schedule");
  for (std::size_t i = 0; i < sigmas.size(); ++i) {
    if (!std::isfinite(sigmas[i]) || sigmas[i] < 0) {
      throw std::invalid_argument("sample: sigma " + std::to_string(i) +
                                  " is not a finite value >= 0");
    }
    if (i > 0 && !(sigmas[i] < sigmas[i - 1])) {
      throw std::invalid_argument("sample: sigmas must strictly decrease (index " +
                                  std::to_string(i) + ")");
    }
  }
}

}  // namespace

SamplerKind parse_sampler(std::string_view name) {
  for (const auto& e : kSamplers) {
    if (e.name == name) return e.kind;
  }
  std::string known;
  for (const auto& e : kSamplers) known += (known.empty() ? "" : ", ") + std::string(e.name);
  throw std::invalid_argument("unknown sampler '" + std::string(name) + "': expected one of " +
                              known);
}

std::span<const SamplerKind> all_samplers() {
  static const auto kinds = [] {
    std::array<SamplerKind, std::size(kSamplers)> out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = kSamplers[i].kind;
    return out;
  }();
  return kinds;
}

std::string_view sampler_name(SamplerKind kind) { return entry(kind).name; }
bool sampler_uses_noise(SamplerKind kind) { return entry(kind).noise; }
bool sampler_discards_penultimate_sigma(SamplerKind kind) {
  return entry(kind).discard_penultimate;
}

Tensor sample(SamplerKind kind, const Denoiser& denoiser, Tensor x, std::span<const float> sigmas,
              const SamplerContext& context) {
  if (!denoiser) throw std::invalid_argument("sample: no denoiser");
  if (!x.defined()) throw std::invalid_argument("sample: undefined latent");
  check_sigmas(sigmas);
  const bool sde = kind == SamplerKind::DpmppSde || kind == SamplerKind::Dpmpp2mSde;
  if (sampler_uses_noise(kind) && context.noise == nullptr &&
      !(sde && context.sde_noise != nullptr) && sigmas.size() > 1) {
    throw std::invalid_argument("sampler '" + std::string(sampler_name(kind)) +
                                "' draws noise: SamplerContext::noise is required");
  }
  if (sigmas.size() == 1) return x;
  const detail::Run run(denoiser, sigmas, context);
  switch (kind) {
    case SamplerKind::Euler:
    case SamplerKind::Ddim:
      return detail::sample_euler(run, std::move(x));
    case SamplerKind::EulerAncestral:
      return detail::sample_euler_ancestral(run, std::move(x));
    case SamplerKind::Heun:
      return detail::sample_heun(run, std::move(x));
    case SamplerKind::Dpm2:
      return detail::sample_dpm_2(run, std::move(x));
    case SamplerKind::Dpm2Ancestral:
      return detail::sample_dpm_2_ancestral(run, std::move(x));
    case SamplerKind::Dpmpp2sAncestral:
      return detail::sample_dpmpp_2s_ancestral(run, std::move(x));
    case SamplerKind::Dpmpp2m:
      return detail::sample_dpmpp_2m(run, std::move(x));
    case SamplerKind::Dpmpp2mSde:
      return detail::sample_dpmpp_2m_sde(run, std::move(x));
    case SamplerKind::DpmppSde:
      return detail::sample_dpmpp_sde(run, std::move(x));
    case SamplerKind::Lcm:
      return detail::sample_lcm(run, std::move(x));
  }
  throw std::invalid_argument("unknown sampler kind");
}

}  // namespace pixforge::sampling
