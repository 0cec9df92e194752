// What an A1111 request body asks for beyond the generation parameters, field by field, as
// A1111 1.9+ defines it (modules/api/models.py, processing.py). Each field tools send is
// honoured, accepted as the no-op A1111 itself makes of it on this server, or refused with a
// 400 naming the field: nothing is silently ignored.
//
//   honoured:   prompt, negative_prompt, seed, steps, cfg_scale, width, height, sampler_name /
//               sampler_index, scheduler, batch_size, n_iter, denoising_strength, send_images,
//               include_init_images, override_settings (values this server has), subseed,
//               subseed_strength, seed_resize_from_w/h (variation seeds), txt2img enable_hr
//               with hr_scale, hr_resize_x/y, hr_second_pass_steps, hr_upscaler (GET
//               /sdapi/v1/upscalers, /sdapi/v1/latent-upscale-modes), hr_sampler_name,
//               hr_scheduler, hr_prompt, hr_negative_prompt, mask, mask_blur(_x/_y),
//               inpainting_mask_invert, inpainting_fill (0 fill, 1 original, 2 latent noise,
//               3 latent nothing), inpaint_full_res (true: only masked) with
//               inpaint_full_res_padding, mask_round, resize_mode 0
//   no-op:      save_images, do_not_save_samples/grid (outputs always go to the owner's
//               gallery under the retention policy; no server folder, no grid), styles (A1111
//               skips style names it has none of, and this server has none), script_args
//               without script_name, hr_* / firstphase_* without enable_hr, s_tmin/s_tmax
//               without s_churn, image_cfg_scale (instruct-pix2pix only), force_task_id,
//               comments, disable_extra_networks, override_settings_restore_afterwards,
//               refiner_switch_at without refiner_checkpoint, eta where the sampler has
//               none
//   refused:    enable_hr on img2img, hr_checkpoint_name, firstphase_width/height != 0,
//               restore_faces, tiling, script_name, alwayson_scripts entries, refiner_checkpoint,
//               infotext, latent_mask, s_churn != 0, s_noise != 1, s_min_uncond != 0, eta other
//               than the sampler's, initial_noise_multiplier != 1, more than one init image,
//               resize_mode != 0; out-of-range inpainting_fill (0..3), inpaint_full_res_padding
//               (0..1024), mask_blur (0..64)
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "a1111_model.h"
#include "pixforge/service/config.h"
#include "pixforge/service/generator.h"

namespace pixforge::service::http {

// txt2img's enable_hr and hr_* fields -> p.hires (left unset without enable_hr; hr_* alone are
// the no-op they are in A1111). Names are resolved as sampler_name / scheduler are; the
// Generator checks the upscaler and the target (routes).
void apply_a1111_hires(const nlohmann::json& body, const Limits& limits, GenerationParams& p);

// Refuses the txt2img/img2img fields listed above as refused (400 naming the field). `p` is the
// parsed request (its sampler decides which eta is the sampler's own).
void check_a1111_fields(const nlohmann::json& body, const GenerationParams& p);

// override_settings: each option must restate what is in effect (`options`, GET
// /sdapi/v1/options); sd_model_checkpoint may name the loaded checkpoint as A1111 matches
// checkpoint names. Anything else is a 400 naming override_settings.<option>.
void check_override_settings(const nlohmann::json& body, const nlohmann::json& options,
                             const A1111Checkpoint& checkpoint);

// img2img with a mask: inpainting_mask_invert, mask_blur, inpainting_fill,
// inpaint_full_res(_padding) as A1111 defines them (its API defaults: fill, only masked,
// padding 0, blur 4); sets p.mask (white = repaint, blurred) from the body's `mask` and p.inpaint,
// with A1111's final overlay of the original outside the mask.
void apply_a1111_mask(const nlohmann::json& body, const Limits& limits, GenerationParams& p);

}  // namespace pixforge::service::http
