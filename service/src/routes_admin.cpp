// Administration over HTTP (admin role only; every access is itself audited, P6/P13).
#include "http.h"
#include "identity.h"

namespace pixforge::service::http {
namespace {

void get_audit_verify(Ctx& c) {
  require_role(c, "admin");
  c.app.audit(c.who.owner_id, "admin_access", "", "audit_verify");
  const auto rows = c.app.store->audit_rows();
  const auto broken = verify_audit_chain(c.app.audit_key, rows);
  nlohmann::json j = {{"rows", rows.size()}, {"intact", broken < 0}};
  if (broken >= 0) j["first_broken_seq"] = rows[static_cast<std::size_t>(broken)].seq;
  send_json(c, 200, j);
}

}  // namespace

void add_admin_routes(Router& r) {
  r.add("GET", "/api/v1/admin/audit/verify", Style::kNative, get_audit_verify);
}

}  // namespace pixforge::service::http
