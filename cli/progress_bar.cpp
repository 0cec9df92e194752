#include "progress_bar.h"

#include <string>

namespace pixforge::cli {

void ProgressBar::update(int run, int runs, int step, int steps, double elapsed) {
  // Seconds per step measured from the end of a run's first step, so text encoding and the
  // first (slower, allocating) step do not skew it.
  if (step <= 1) {
    last_elapsed_ = elapsed;
    last_step_ = step;
  }
  const double per_step = step > last_step_ ? (elapsed - last_elapsed_) / (step - last_step_) : 0.0;
  const std::string which =
      runs > 1 ? " run " + std::to_string(run + 1) + "/" + std::to_string(runs) : "";
  if (tty_) {
    constexpr int kWidth = 30;
    const int filled = steps > 0 ? step * kWidth / steps : 0;
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.append(static_cast<std::size_t>(kWidth - filled), '-');
    std::fprintf(out_, "\r[%s] %d/%d%s  %.1f s  %.2f s/step ", bar.c_str(), step, steps,
                 which.c_str(), elapsed, per_step);
    open_line_ = true;
    if (step == steps) finish();
  } else {
    std::fprintf(out_, "step %d/%d%s  %.1f s\n", step, steps, which.c_str(), elapsed);
  }
  std::fflush(out_);
}

void ProgressBar::finish() {
  if (open_line_) std::fputc('\n', out_);
  open_line_ = false;
  std::fflush(out_);
}

}  // namespace pixforge::cli
