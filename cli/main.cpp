// pixforge: command-line entry point. Subcommands register themselves (command.h).
#include <algorithm>
#include <cstdio>
#include <exception>

#include "command.h"

namespace pixforge::cli {
std::vector<std::pair<std::string, CommandSetup>>& CommandRegistry::all() {
  static std::vector<std::pair<std::string, CommandSetup>> commands;
  return commands;
}
}  // namespace pixforge::cli

int main(int argc, char** argv) {
  CLI::App app{"Pixforge: self-hosted, privacy-first image generation"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "pixforge 0.1.0");
  auto& commands = pixforge::cli::CommandRegistry::all();
  std::sort(commands.begin(), commands.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [name, setup] : commands) setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pixforge: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
