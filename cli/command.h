// Subcommand registration: each cmd_*.cpp defines one subcommand and registers it with
// PIXFORGE_COMMAND, so adding a command never touches main.cpp.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace pixforge::cli {

// Adds a subcommand to `app`; sets its callback. The callback throws on error (main prints
// the message and exits 1) or calls std::exit with a specific status.
using CommandSetup = std::function<void(CLI::App& app)>;

struct CommandRegistry {
  static std::vector<std::pair<std::string, CommandSetup>>& all();
  CommandRegistry(std::string name, CommandSetup setup) { all().emplace_back(std::move(name), std::move(setup)); }
};

// The `models` subcommand group (defined in cmd_models.cpp); other files add subcommands to it.
CLI::App& models_group(CLI::App& app);

}  // namespace pixforge::cli

#define PIXFORGE_COMMAND_CAT2(a, b) a##b
#define PIXFORGE_COMMAND_CAT(a, b) PIXFORGE_COMMAND_CAT2(a, b)
// PIXFORGE_COMMAND("generate", [](CLI::App& app) { ... });
#define PIXFORGE_COMMAND(name, setup) \
  static ::pixforge::cli::CommandRegistry PIXFORGE_COMMAND_CAT(pixforge_command_, __LINE__){name, setup}
