#include "retention.h"

#include <ctime>
#include <set>

#include "owner_data.h"

namespace pixforge::service {

std::string utc_day(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

namespace {

std::int64_t ago(std::int64_t now, double hours) {
  return now - static_cast<std::int64_t>(hours * static_cast<double>(kHourMs));
}

int delete_blobs(Service::State& app, const std::vector<BlobRow>& rows) {
  for (const auto& b : rows) {
    app.blobs->remove(b.id);
    app.store->delete_blob(b.id);
  }
  return static_cast<int>(rows.size());
}

// Withheld images past their review period: file and row go, the flag records "expired".
int expire_flagged(Service::State& app, std::int64_t before, std::int64_t now) {
  int n = 0;
  for (const auto& f : app.store->pending_flags_before(before)) {
    if (!app.store->decide_flag(f.id, "expired", "system", now)) continue;
    if (!f.blob_id.empty()) {
      app.blobs->remove(f.blob_id);
      app.store->delete_blob(f.blob_id);
    }
    ++n;
  }
  return n;
}

}  // namespace

SweepReport sweep(Service::State& app) {
  const Retention& r = app.config.retention;
  const std::int64_t now = app.now();
  SweepReport rep;
  rep.uploads = delete_blobs(app, app.store->expired_uploads(ago(now, r.upload_hours)));
  rep.prompts = app.store->purge_prompts(ago(now, r.prompt_hours), ago(now, r.prompt_hours));
  rep.outputs =
      delete_blobs(app, app.store->expired_outputs("session", ago(now, r.output_days * 24)));
  for (const auto& o : app.store->idle_owners("session", ago(now, r.session_idle_days * 24))) {
    delete_owner_everything(app, o.id);
    ++rep.idle_sessions;
  }
  for (const auto& o : app.store->idle_owners("account", ago(now, r.account_inactivity_days * 24)))
    rep.inactive_account_items += delete_owner_content(app, o.id);
  rep.request_logs = app.store->delete_request_logs_before(ago(now, r.request_log_days * 24));
  rep.analytics = app.store->delete_counters_before(utc_day(ago(now, r.analytics_days * 24)));
  app.store->close_orphaned_flags(now);
  rep.flagged_images = expire_flagged(app, ago(now, r.flagged_review_days * 24), now);
  rep.moderation_log =
      app.store->delete_moderation_log_before(ago(now, r.moderation_log_days * 24));
  if (rep.total() > 0)
    app.audit("system", "retention_sweep", "",
              "uploads=" + std::to_string(rep.uploads) + " prompts=" + std::to_string(rep.prompts) +
                  " outputs=" + std::to_string(rep.outputs) +
                  " sessions=" + std::to_string(rep.idle_sessions) +
                  " account_items=" + std::to_string(rep.inactive_account_items) +
                  " request_logs=" + std::to_string(rep.request_logs) +
                  " analytics=" + std::to_string(rep.analytics) +
                  " flagged_images=" + std::to_string(rep.flagged_images) +
                  " moderation_log=" + std::to_string(rep.moderation_log));
  return rep;
}

int remove_orphan_files(Service::State& app) {
  std::set<std::string> known;
  for (const auto& b : app.store->all_blobs()) known.insert(b.id);
  int n = 0;
  for (const auto& id : app.blobs->list())
    if (!known.count(id)) {
      app.blobs->remove(id);
      ++n;
    }
  return n;
}

nlohmann::json retention_audit(Store& store, const ServiceConfig& config, std::int64_t now) {
  const Retention& r = config.retention;
  const std::pair<const char*, double> categories[] = {
      {"uploads", r.upload_hours},
      {"prompts", r.prompt_hours},
      {"outputs_anonymous", r.output_days * 24},
      {"account_content", r.account_inactivity_days * 24},
      {"request_logs", r.request_log_days * 24},
      {"sessions", r.session_idle_days * 24},
      {"flagged_images", r.flagged_review_days * 24},
      {"moderation_log", r.moderation_log_days * 24},
  };
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, hours] : categories) {
    const std::int64_t oldest = store.oldest(name);
    nlohmann::json row = {{"category", name}, {"limit_hours", hours}};
    if (oldest == 0) {
      row["oldest_age_hours"] = nullptr;
      row["within_policy"] = true;
    } else {
      const double age_h = static_cast<double>(now - oldest) / static_cast<double>(kHourMs);
      row["oldest_age_hours"] = age_h;
      row["within_policy"] = age_h <= hours;
    }
    out.push_back(row);
  }
  nlohmann::json face = {{"category", "face_data"},
                         {"limit_hours", 0},
                         {"oldest_age_hours", nullptr},
                         {"within_policy", true},
                         {"note", "never written to the store (no table or blob kind exists)"}};
  out.push_back(face);
  return out;
}

}  // namespace pixforge::service
