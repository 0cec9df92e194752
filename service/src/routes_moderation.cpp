// Output moderation for moderators (P9, P6): the flag log, the withheld images (and nothing
// else of anyone's), and the release / delete decision. Every view and decision is audited
// (P13). Flags carry ids, scores, decisions and times; never a prompt.
#include <algorithm>
#include <iterator>

#include "http.h"
#include "identity.h"
#include "jobs_submit.h"
#include "owner_data.h"

namespace pixforge::service::http {
namespace {

constexpr const char* kFlagId = R"(/api/v1/moderation/flags/([A-Za-z0-9_-]{1,64}))";
constexpr int kListLimit = 500;

void require_moderator(const Ctx& c) {
  if (!c.who.exists()) throw ApiError(401, "not_signed_in", "no session");
  require_role(c, "moderator");
}

nlohmann::json flag_json(const Service::State& app, const FlagRow& f) {
  nlohmann::json j = {
      {"id", f.id},
      {"created_ms", f.created_ms},
      {"top_class", f.top_class},
      {"scores", nlohmann::json::parse(f.scores, nullptr, false)},
      {"decision", f.decision},
      {"decided_ms", f.decided_ms},
      {"decided_by", f.decided_by},
      {"review_until_ms", f.created_ms + static_cast<std::int64_t>(
                                             app.config.retention.flagged_review_days * kDayMs)}};
  if (f.decision == "pending" && !f.blob_id.empty())
    j["image_url"] = "/api/v1/moderation/flags/" + f.id + "/image";
  return j;
}

// The flag named in the path, or 404. Its image is served only while the flag is pending
// (moderators see only what is flagged and still under review).
FlagRow flag_or_404(const Ctx& c) {
  auto f = c.app.store->find_flag(c.req.matches[1]);
  if (!f) throw not_found("flag");
  return *f;
}

void get_flags(Ctx& c) {
  require_moderator(c);
  std::string decision =
      c.req.has_param("decision") ? c.req.get_param_value("decision") : "pending";
  if (decision == "all") decision.clear();
  static const char* const kKnown[] = {"", "pending", "released", "deleted", "expired", "gone"};
  if (std::find(std::begin(kKnown), std::end(kKnown), decision) == std::end(kKnown))
    throw bad_request("decision", "must be pending, released, deleted, expired, gone or all");
  nlohmann::json list = nlohmann::json::array();
  for (const auto& f : c.app.store->flags(decision, kListLimit))
    list.push_back(flag_json(c.app, f));
  send_json(c, 200, {{"flags", list}});
}

void get_flag(Ctx& c) {
  require_moderator(c);
  send_json(c, 200, flag_json(c.app, flag_or_404(c)));
}

void get_flag_image(Ctx& c) {
  require_moderator(c);
  const FlagRow f = flag_or_404(c);
  if (f.decision != "pending" || f.blob_id.empty()) throw not_found("image");
  const auto blob = c.app.store->find_blob(f.blob_id);
  if (!blob || blob->kind != "flagged") throw not_found("image");
  const std::string png = png_without_metadata(c.app, *blob);
  c.app.audit(c.who.owner_id, "moderation_view", blob->owner_id, "flag=" + f.id);
  c.res.status = 200;
  c.res.set_header("Content-Disposition", "inline; filename=\"flag-" + f.id + ".png\"");
  c.res.set_content(png, "image/png");
}

// {"decision": "release" | "delete"}: release makes the image the owner's output again; delete
// unlinks it now. A decision is taken once (409 afterwards).
void post_decision(Ctx& c) {
  require_moderator(c);
  const auto body = body_json(c);
  const std::string d = str_field(body, "decision", true, 16);
  if (d != "release" && d != "delete") throw bad_request("decision", "must be release or delete");
  const FlagRow f = flag_or_404(c);
  const std::string decision = d == "release" ? "released" : "deleted";
  if (!c.app.store->decide_flag(f.id, decision, c.who.owner_id, c.app.now()))
    throw ApiError(409, "flag_decided", "this flag was already decided (" + f.decision + ")");
  if (decision == "deleted" && !f.blob_id.empty()) {
    c.app.blobs->remove(f.blob_id);
    c.app.store->delete_blob(f.blob_id);
  }
  c.app.audit(c.who.owner_id, "moderation_" + decision, f.owner_id, "flag=" + f.id);
  send_json(c, 200, flag_json(c.app, *c.app.store->find_flag(f.id)));
}

}  // namespace

void add_moderation_routes(Router& r) {
  const std::string flag = kFlagId;
  r.add("GET", "/api/v1/moderation/flags", Style::kNative, get_flags);
  r.add("GET", flag, Style::kNative, get_flag);
  r.add("GET", flag + "/image", Style::kNative, get_flag_image);
  r.add("POST", flag + "/decision", Style::kNative, post_decision);
}

}  // namespace pixforge::service::http
