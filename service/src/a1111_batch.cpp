#include "a1111_batch.h"

namespace pixforge::service {

int job_images(const GenerationParams& p) { return p.batch * p.batch_count; }

std::int64_t image_seed(const GenerationParams& p, int index) {
  // A1111 keeps the seed for every image while a variation strength is set (all_seeds).
  if (p.subseed_strength != 0.0) return p.seed;
  // Without seed_per_image each iteration is one batch sharing seed + iteration (the engine's
  // batch_count convention).
  return p.seed + (p.seed_per_image ? index : index / p.batch);
}

std::int64_t image_subseed(const GenerationParams& p, int index) {
  return p.subseed + (p.seed_per_image ? index : index / p.batch);
}

std::vector<GenerationParams> generator_runs(const GenerationParams& p) {
  std::vector<GenerationParams> runs;
  const int count = p.seed_per_image ? job_images(p) : p.batch_count;
  runs.reserve(static_cast<std::size_t>(count));
  for (int r = 0; r < count; ++r) {
    GenerationParams run = p;
    run.batch_count = 1;
    run.seed_per_image = false;
    if (p.seed_per_image) run.batch = 1;
    run.seed = image_seed(p, p.seed_per_image ? r : r * p.batch);
    run.subseed = image_subseed(p, p.seed_per_image ? r : r * p.batch);
    runs.push_back(std::move(run));
  }
  return runs;
}

JobProgress job_progress(const GenerationParams& p, int run, int runs, const Progress& in) {
  JobProgress out;
  out.step = run * in.total + in.step;
  out.total = runs * in.total;
  out.iterations = p.batch_count;
  const int runs_per_iteration = p.seed_per_image ? p.batch : 1;
  out.iteration = run / runs_per_iteration;
  out.iteration_step = (run % runs_per_iteration) * in.total + in.step;
  out.iteration_steps = runs_per_iteration * in.total;
  return out;
}

}  // namespace pixforge::service
