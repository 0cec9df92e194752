// Data-subject rights (P7): export, delete one item / all content / the account.
#include "http.h"
#include "identity.h"
#include "owner_data.h"
#include "pixforge/service/export_zip.h"

namespace pixforge::service::http {
namespace {

void require_owner(const Ctx& c) {
  if (!c.who.exists()) throw ApiError(401, "not_signed_in", "no session");
}

void get_export(Ctx& c) {
  require_owner(c);
  if (c.who.via_key) require_scope(c, "read");
  const nlohmann::json data = describe_owner(c.app, c.who.owner_id);
  std::vector<std::pair<std::string, std::string>> files;
  files.emplace_back("data.json", data.dump(2));
  for (const auto& b : c.app.store->blobs(c.who.owner_id)) {
    if (b.kind == "flagged") continue;  // withheld for review (P9): listed in data.json only
    const auto sealed = c.app.blobs->get(b.id);
    if (!sealed) continue;  // unlinked by the sweeper between the listing and now
    files.emplace_back(b.kind + "s/" + b.id + ".png",
                       c.app.vault->open_for(c.who.owner_id, *sealed, blob_aad(b.id)));
  }
  c.app.audit(c.who.owner_id, "export", c.who.owner_id);
  c.res.status = 200;
  c.res.set_header("Content-Disposition", "attachment; filename=\"pixforge-export.zip\"");
  c.res.set_content(make_zip(files), "application/zip");
}

void delete_image(Ctx& c) {
  require_owner(c);
  if (c.who.via_key) require_scope(c, "delete");
  const std::string id = c.req.matches[1];
  // Another owner's id answers exactly like a missing one (P6).
  if (!delete_owner_blob(c.app, c.who.owner_id, id)) throw not_found("image");
  c.app.audit(c.who.owner_id, "image_deleted", c.who.owner_id, "image=" + id);
  send_json(c, 200, {{"deleted", true}});
}

void delete_content(Ctx& c) {
  require_owner(c);
  if (c.who.via_key) require_scope(c, "delete");
  const int n = delete_owner_content(c.app, c.who.owner_id);
  c.app.audit(c.who.owner_id, "content_deleted", c.who.owner_id, "items=" + std::to_string(n));
  send_json(c, 200, {{"deleted_items", n}});
}

void delete_me(Ctx& c) {
  require_owner(c);
  if (c.who.via_key) throw ApiError(403, "forbidden", "API keys cannot delete the account");
  const std::string id = c.who.owner_id;
  delete_owner_everything(c.app, id);
  c.app.audit(id, "account_deleted", id);
  end_session(c);
  send_json(c, 200, {{"deleted", true}});
}

}  // namespace

void add_rights_routes(Router& r) {
  r.add("GET", "/api/v1/export", Style::kNative, get_export);
  r.add("DELETE", R"(/api/v1/images/([A-Za-z0-9_-]{1,64}))", Style::kNative, delete_image);
  r.add("DELETE", "/api/v1/content", Style::kNative, delete_content);
  r.add("DELETE", "/api/v1/me", Style::kNative, delete_me);
}

}  // namespace pixforge::service::http
