// Public showcase (P11): an image is shown only after its owner opted it in, one image at a
// time, and disappears the moment the opt-in is revoked, the image or the account is deleted,
// or the owner restricts processing. Withheld (flagged) images cannot be opted in. The public
// sees the pixels only: no owner, job, prompt or metadata chunk.
#include "http.h"
#include "identity.h"
#include "jobs_submit.h"

namespace pixforge::service::http {
namespace {

constexpr const char* kImageShowcase = R"(/api/v1/images/([A-Za-z0-9_-]{1,64})/showcase)";
constexpr const char* kShowcaseImage = R"(/api/v1/showcase/([A-Za-z0-9_-]{1,64}))";
constexpr int kListLimit = 200;

nlohmann::json entry_json(const BlobRow& b) {
  return {{"id", b.id}, {"showcased_ms", b.showcase_ms}, {"url", "/api/v1/showcase/" + b.id}};
}

// Opting in publishes the image: only its owner, in a signed-in browser session (an API key
// cannot publish on the owner's behalf), with current consent.
void post_showcase(Ctx& c) {
  if (!c.who.exists()) throw not_found("image");
  if (c.who.via_key)
    throw ApiError(403, "session_required",
                   "only the owner's own session can opt an image into the showcase");
  require_consent(c);
  const std::string id = c.req.matches[1];
  if (!c.app.store->set_showcase(id, c.who.owner_id, c.app.now()))
    throw not_found("image");  // not the caller's, not an output, or withheld by moderation
  c.app.audit(c.who.owner_id, "showcase_opt_in", c.who.owner_id, "image=" + id);
  send_json(c, 200, {{"id", id}, {"showcase", true}, {"url", "/api/v1/showcase/" + id}});
}

void delete_showcase(Ctx& c) {
  if (!c.who.exists()) throw not_found("image");
  if (c.who.via_key) require_scope(c, "delete");
  const std::string id = c.req.matches[1];
  if (!c.app.store->set_showcase(id, c.who.owner_id, 0)) throw not_found("image");
  c.app.audit(c.who.owner_id, "showcase_revoked", c.who.owner_id, "image=" + id);
  send_json(c, 200, {{"id", id}, {"showcase", false}});
}

void get_showcase(Ctx& c) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& b : c.app.store->showcase(kListLimit)) list.push_back(entry_json(b));
  send_json(c, 200, {{"images", list}});
}

void get_showcase_image(Ctx& c) {
  const std::string id = c.req.matches[1];
  const auto blob = c.app.store->find_blob(id);
  // Checked against the live listing rule (opted in, visible output, owner not restricted).
  bool listed = false;
  if (blob && blob->kind == "output" && blob->showcase_ms > 0) {
    const auto owner = c.app.store->find_owner(blob->owner_id);
    listed = owner && !owner->restricted;
  }
  if (!listed) throw not_found("image");
  c.res.status = 200;
  c.res.set_header("Content-Disposition", "inline; filename=\"" + id + ".png\"");
  c.res.set_content(png_without_metadata(c.app, *blob), "image/png");
}

}  // namespace

void add_showcase_routes(Router& r) {
  r.add("POST", kImageShowcase, Style::kNative, post_showcase);
  r.add("DELETE", kImageShowcase, Style::kNative, delete_showcase);
  r.add("GET", "/api/v1/showcase", Style::kNative, get_showcase);
  r.add("GET", kShowcaseImage, Style::kNative, get_showcase_image);
}

}  // namespace pixforge::service::http
