// Per-step progress for `pixforge generate`: a redrawn bar on a terminal, one plain line per
// step otherwise (logs, pipes, CI), always on stderr so stdout stays clean.
#pragma once

#include <cstdio>

namespace pixforge::cli {

class ProgressBar {
 public:
  // `tty`: redraw in place; otherwise print lines.
  ProgressBar(std::FILE* out, bool tty) : out_(out), tty_(tty) {}
  // After step `step` of `steps` in run `run` (0-based) of `runs`, `elapsed` seconds in.
  void update(int run, int runs, int step, int steps, double elapsed);
  // Ends the bar's line (tty) before other output.
  void finish();

 private:
  std::FILE* out_;
  bool tty_;
  bool open_line_ = false;
  double last_elapsed_ = 0;
  int last_step_ = 0;
};

}  // namespace pixforge::cli
