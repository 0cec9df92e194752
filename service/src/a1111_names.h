// AUTOMATIC1111's vocabulary for samplers and schedule types, mapped to the engine's (ComfyUI)
// names that the Generator runs, and the A1111 infotext of a service output.
//
// A1111 clients send display names ("Euler a", "DPM++ 2M"), k-diffusion aliases ("k_euler_a"),
// pre-1.9 combined names ("DPM++ 2M Karras") or, since 1.9, a separate `scheduler` field with a
// name or label ("karras", "Karras", "Automatic"). The table restates A1111's sampler list
// (modules/sd_samplers_kdiffusion.py, sd_samplers_timesteps.py, sd_schedulers.py, v1.9+); the
// pairs agree with the engine's own infotext table (engine/src/pipeline/infotext.cpp), which the
// service cannot link (it stays engine-free behind the Generator seam).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "pixforge/service/generator.h"

namespace pixforge::service {

struct SamplerChoice {
  std::string sampler;    // engine name, or the text as sent when it is none we know
  std::string scheduler;  // engine name, or the text as sent when it is none we know
};

// Resolves an A1111 request's sampler_name and scheduler (either may be empty: the defaults are
// Euler and the sampler's "Automatic" schedule). Names the engine does not know come back as
// sent, so validate_params refuses them against the Generator's lists with the field named.
SamplerChoice resolve_a1111_sampler(std::string_view sampler_name, std::string_view scheduler);

// The native API (POST /api/v1/generate) takes engine names and A1111 names alike: an empty
// sampler is euler; an empty scheduler is the native default "normal" unless the sampler name
// carries a pre-1.9 schedule ("DPM++ 2M Karras"); "Automatic" is A1111's schedule for the
// sampler. Unknown names come back as sent, for validate_params to refuse.
SamplerChoice resolve_native_sampler(std::string_view sampler, std::string_view scheduler);

// "euler (Euler), euler_ancestral (Euler a, k_euler_a, ...), ..." for the engine names offered:
// what a 400 for an unknown sampler or scheduler lists as accepted.
std::string accepted_sampler_names(const std::vector<std::string>& samplers);
std::string accepted_scheduler_names(const std::vector<std::string>& schedulers);

// A1111 display names for engine names; the engine name itself when A1111 has none.
std::string sampler_label(const std::string& sampler);
std::string scheduler_label(const std::string& scheduler);

// GET /sdapi/v1/samplers and /sdapi/v1/schedulers entries for what the Generator offers, in
// A1111's shapes ({name, aliases, options} and {name, label, aliases, default_rho,
// need_inner_model}).
nlohmann::json a1111_sampler_list(const std::vector<std::string>& samplers);
nlohmann::json a1111_scheduler_list(const std::vector<std::string>& schedulers);

// The A1111 infotext of output number `index` of a job (over all its iterations), as A1111
// writes it (prompt, "Negative prompt: ...", then "Steps: 2, Sampler: Euler, ..., Seed: <that
// image's seed>, ..."); `model_hash` (A1111 short hash) may be empty.
// A1111's "Hires ..." extra_generation_params of a hires-fix job (empty without one).
std::vector<std::pair<std::string, std::string>> a1111_hires_fields(const GenerationParams& p);

std::string a1111_infotext(const GenerationParams& params, int index, const std::string& model_name,
                           const std::string& model_hash = "");
// Adds the `parameters` text chunk to each of a job's outputs (F15), built from the job's
// effective parameters (seed resolved, sampler and schedule as run).
void attach_a1111_parameters(std::vector<Image>& outputs, const GenerationParams& params,
                             const std::string& model_name, const std::string& model_hash = "");

}  // namespace pixforge::service
