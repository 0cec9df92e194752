// `pixforge admin`: audit-log verification (P13), accounts affected by a time window (for
// breach notification within 72 h), and role assignment (P6). Every action is itself audited.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <set>

#include "command.h"

#ifdef PIXFORGE_HAVE_SERVICE
#include "pixforge/service/clock.h"
#include "pixforge/service/data_dir.h"

namespace pixforge::cli {
namespace {

struct AdminOptions {
  std::string config_path;
  std::string data_dir;
  std::string from, to;  // ISO 8601 UTC: 2026-11-23T10:00:00Z
  std::string username, role;
};

service::DataDir open(const AdminOptions& o) {
  service::ServiceConfig c =
      o.config_path.empty() ? service::ServiceConfig{} : service::load_config(o.config_path);
  if (!o.data_dir.empty()) c.server.data_dir = o.data_dir;
  return service::open_data_dir(c.server);
}

std::int64_t parse_time(const std::string& text, const char* flag) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end || (*end != '\0' && std::string(end) != "Z"))
    throw std::runtime_error(std::string(flag) + " must be YYYY-MM-DDTHH:MM:SSZ (UTC)");
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

void verify(const AdminOptions& o) {
  service::DataDir d = open(o);
  const auto rows = d.store->audit_rows();
  const auto broken = service::verify_audit_chain(d.audit_key, rows);
  if (broken >= 0) {
    std::printf("audit log BROKEN at row seq %lld (of %zu): edited, inserted or removed\n",
                static_cast<long long>(rows[static_cast<std::size_t>(broken)].seq), rows.size());
    std::exit(1);
  }
  std::printf("audit log intact: %zu rows verified\n", rows.size());
}

void affected(const AdminOptions& o) {
  const std::int64_t from = parse_time(o.from, "--from"), to = parse_time(o.to, "--to");
  service::DataDir d = open(o);
  std::set<std::string> owners;
  for (const auto& row : d.store->audit_rows())
    if (row.at_ms >= from && row.at_ms <= to && !row.subject.empty()) owners.insert(row.subject);
  d.store->append_audit(service::SystemClock{}.now_ms(), "admin:cli", "affected_accounts_listed",
                        "", o.from + ".." + o.to);
  std::printf("%-24s %-32s %s\n", "owner", "username", "e-mail");
  for (const auto& id : owners) {
    const auto account = d.store->find_account(id);
    if (!account)
      continue;  // anonymous sessions have no contact to notify; deleted owners are gone
    const std::string email = account->email_sealed.empty()
                                  ? "-"
                                  : d.vault->open_for(id, account->email_sealed, "email:" + id);
    std::printf("%-24s %-32s %s\n", id.c_str(), account->username.c_str(), email.c_str());
  }
}

void set_role(const AdminOptions& o) {
  if (o.role != "user" && o.role != "moderator" && o.role != "admin")
    throw std::runtime_error("role must be user, moderator or admin");
  service::DataDir d = open(o);
  const auto account = d.store->find_account_by_username(o.username);
  if (!account) throw std::runtime_error("no account with that username");
  d.store->set_role(account->owner_id, o.role);
  d.store->append_audit(service::SystemClock{}.now_ms(), "admin:cli", "role_changed",
                        account->owner_id, "role=" + o.role);
  std::printf("role of %s is now %s\n", o.username.c_str(), o.role.c_str());
}

}  // namespace
}  // namespace pixforge::cli

PIXFORGE_COMMAND("admin", [](CLI::App& app) {
  auto opts = std::make_shared<pixforge::cli::AdminOptions>();
  auto* cmd = app.add_subcommand("admin", "Service administration");
  cmd->require_subcommand(1);
  cmd->add_option("--config", opts->config_path, "pixforge.toml");
  cmd->add_option("--data-dir", opts->data_dir, "data directory");
  auto* audit = cmd->add_subcommand("audit", "Audit log tools");
  audit->require_subcommand(1);
  audit->add_subcommand("verify", "Verify the audit log's hash chain")->callback([opts] {
    pixforge::cli::verify(*opts);
  });
  auto* aff = cmd->add_subcommand("affected", "List accounts with audited events in a time window");
  aff->add_option("--from", opts->from, "start, YYYY-MM-DDTHH:MM:SSZ")->required();
  aff->add_option("--to", opts->to, "end, YYYY-MM-DDTHH:MM:SSZ")->required();
  aff->callback([opts] { pixforge::cli::affected(*opts); });
  auto* role = cmd->add_subcommand("set-role", "Give an account the user, moderator or admin role");
  role->add_option("username", opts->username)->required();
  role->add_option("role", opts->role)->required();
  role->callback([opts] { pixforge::cli::set_role(*opts); });
});
#endif
