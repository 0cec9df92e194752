// A1111's batch count x batch size (n_iter x batch_size) for the job runner and the A1111
// routes: which seed each image of a job gets, how a job is split into Generator runs, and how
// a run's progress reads as A1111's job_no / sampling_step.
//
// A1111 (modules/processing.py) gives image k of a request the seed seed + k (all_seeds; with a
// subseed strength every image keeps `seed` and takes subseed + k) and draws each image's
// noise from its own seed. The engine draws one
// noise tensor per batch (as ComfyUI), so a job with seed_per_image runs one image per
// Generator::run: image k is then exactly what a batch-of-one run with seed + k gives. On the
// CPU this costs nothing in throughput: the UNet runs at the same GFLOP/s at batch 1 and 2.
#pragma once

#include <cstdint>
#include <vector>

#include "pixforge/service/generator.h"

namespace pixforge::service {

// Images a job makes: batch * batch_count.
int job_images(const GenerationParams& p);

// The seed of image `index` (0-based, in output order) of a job whose seed is resolved.
std::int64_t image_seed(const GenerationParams& p, int index);
// Its variation seed: subseed + index (A1111's all_subseeds), per batch without seed_per_image.
std::int64_t image_subseed(const GenerationParams& p, int index);

// The Generator::run calls of a job, in output order; each has batch_count 1 and
// seed_per_image false.
std::vector<GenerationParams> generator_runs(const GenerationParams& p);

// Progress of a whole job from the progress of run `run` of `runs`: overall step/total, and
// A1111's view: iteration (job_no) of iterations (job_count, = n_iter) and the step within the
// iteration (sampling_step of sampling_steps; an iteration of a per-image job is `batch` runs).
struct JobProgress {
  int step = 0;
  int total = 0;
  int iteration = 0;
  int iterations = 1;
  int iteration_step = 0;
  int iteration_steps = 0;
};
JobProgress job_progress(const GenerationParams& p, int run, int runs, const Progress& in);

}  // namespace pixforge::service
