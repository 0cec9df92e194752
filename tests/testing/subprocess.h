// Runs a program as a user would (the real `pixforge` binary in the CLI tests): no shell, so
// arguments need no quoting, with stdout and stderr kept apart so a test can parse the JSON a
// command prints and check its error message separately.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pixforge::testing {

struct ProcessResult {
  // The exit status; 128 + the signal's number when a signal ended it (a crash), -1 when it
  // could not be started.
  int status = -1;
  std::string out, err;
};

struct ProcessOptions {
  std::vector<std::pair<std::string, std::string>> env;  // set in the child on top of ours
  std::string stdin_text;  // written to its standard input, which is then closed
  std::string cwd;         // its working directory; empty: ours
};

// Runs argv[0] with the arguments argv[1..] and waits for it to end.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

}  // namespace pixforge::testing
