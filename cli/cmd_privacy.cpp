// `pixforge privacy audit`: for every data category, the oldest item held and whether it is
// within its retention period (P3, verifiable retention). Exit status 1 when any is not.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "command.h"

#ifdef PIXFORGE_HAVE_SERVICE
#include "pixforge/service/clock.h"
#include "pixforge/service/data_dir.h"
#include "pixforge/service/retention_audit.h"

namespace pixforge::cli {
namespace {

struct PrivacyOptions {
  std::string config_path;
  std::string data_dir;
  bool json = false;
};

void audit(const PrivacyOptions& o) {
  service::ServiceConfig c =
      o.config_path.empty() ? service::ServiceConfig{} : service::load_config(o.config_path);
  if (!o.data_dir.empty()) c.server.data_dir = o.data_dir;
  service::DataDir d = service::open_data_dir(c.server);
  const auto report = service::retention_audit(*d.store, c, service::SystemClock{}.now_ms());
  bool ok = true;
  if (o.json) {
    std::printf("%s\n", report.dump(2).c_str());
  } else {
    std::printf("%-18s %14s %16s  %s\n", "category", "limit (hours)", "oldest (hours)", "status");
    for (const auto& row : report) {
      const std::string oldest = row["oldest_age_hours"].is_null()
                                     ? "none held"
                                     : std::to_string(row["oldest_age_hours"].get<double>());
      std::printf("%-18s %14.1f %16s  %s\n", row["category"].get<std::string>().c_str(),
                  row["limit_hours"].get<double>(), oldest.c_str(),
                  row["within_policy"].get<bool>() ? "within policy" : "OVERDUE");
    }
  }
  for (const auto& row : report) ok = ok && row["within_policy"].get<bool>();
  if (!ok) std::exit(1);
}

}  // namespace
}  // namespace pixforge::cli

PIXFORGE_COMMAND("privacy", [](CLI::App& app) {
  auto opts = std::make_shared<pixforge::cli::PrivacyOptions>();
  auto* cmd = app.add_subcommand("privacy", "Privacy tools for the service's data");
  cmd->require_subcommand(1);
  auto* audit =
      cmd->add_subcommand("audit", "Oldest item per data category vs. its retention period");
  audit->add_option("--config", opts->config_path, "pixforge.toml");
  audit->add_option("--data-dir", opts->data_dir, "data directory");
  audit->add_flag("--json", opts->json, "print JSON");
  audit->callback([opts] { pixforge::cli::audit(*opts); });
});
#endif
