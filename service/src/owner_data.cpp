#include "owner_data.h"

#include "job_runner.h"

namespace pixforge::service {
namespace {

nlohmann::json describe_jobs(Service::State& app, const std::string& owner_id) {
  nlohmann::json jobs = nlohmann::json::array();
  for (const auto& j : app.store->jobs(owner_id)) {
    nlohmann::json row = {{"id", j.id},
                          {"kind", j.kind},
                          {"state", j.state},
                          {"created_ms", j.created_ms},
                          {"finished_ms", j.finished_ms},
                          {"error", j.error_code},
                          {"training_use", false}};
    row["params"] = nlohmann::json::parse(
        app.vault->open_for(owner_id, j.params_sealed, params_aad(j.id)), nullptr, false);
    row["prompt"] =
        j.prompt_sealed.empty()
            ? nlohmann::json(nullptr)
            : nlohmann::json(app.vault->open_for(owner_id, j.prompt_sealed, prompt_aad(j.id)));
    jobs.push_back(std::move(row));
  }
  return jobs;
}

}  // namespace

nlohmann::json describe_owner(Service::State& app, const std::string& owner_id) {
  const auto owner = app.store->find_owner(owner_id);
  if (!owner) throw OwnerGone();
  nlohmann::json j = {{"id", owner->id},
                      {"kind", owner->kind},
                      {"created_ms", owner->created_ms},
                      {"last_active_ms", owner->last_active_ms},
                      {"training_use", owner->training_use},
                      {"restricted", owner->restricted}};
  nlohmann::json history = nlohmann::json::array();
  for (const auto& h : app.store->training_history(owner_id))
    history.push_back({{"training_use", h.value}, {"at_ms", h.at_ms}});
  j["training_history"] = history;
  if (auto a = app.store->find_account(owner_id)) {
    j["account"] = {
        {"username", a->username},
        {"role", a->role},
        {"premium", a->premium},
        {"age_confirmed_ms", a->age_confirmed_ms},
        {"email", a->email_sealed.empty() ? nlohmann::json(nullptr)
                                          : nlohmann::json(app.vault->open_for(
                                                owner_id, a->email_sealed, "email:" + owner_id))}};
  }
  nlohmann::json consents = nlohmann::json::array();
  for (const auto& c : app.store->consents(owner_id))
    consents.push_back({{"notice_version", c.notice_version},
                        {"scope", c.scope},
                        {"given_ms", c.given_ms},
                        {"withdrawn_ms", c.withdrawn_ms}});
  j["consents"] = consents;
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& k : app.store->api_keys(owner_id))
    keys.push_back({{"id", k.id},
                    {"scopes", k.scopes},
                    {"notice_version", k.notice_version},
                    {"created_ms", k.created_ms},
                    {"revoked_ms", k.revoked_ms}});
  j["api_keys"] = keys;
  j["jobs"] = describe_jobs(app, owner_id);
  nlohmann::json images = nlohmann::json::array();
  for (const auto& b : app.store->blobs(owner_id))
    images.push_back({{"id", b.id},
                      {"kind", b.kind},
                      {"job_id", b.job_id},
                      {"created_ms", b.created_ms},
                      {"bytes", b.size}});
  j["images"] = images;
  return j;
}

bool delete_owner_blob(Service::State& app, const std::string& owner_id,
                       const std::string& blob_id) {
  const auto blob = app.store->find_blob(blob_id);
  if (!blob || blob->owner_id != owner_id) return false;
  app.blobs->remove(blob_id);
  app.store->delete_blob(blob_id);
  return true;
}

int delete_owner_content(Service::State& app, const std::string& owner_id) {
  int n = 0;
  for (const auto& b : app.store->blobs(owner_id)) {
    app.blobs->remove(b.id);
    app.store->delete_blob(b.id);
    ++n;
  }
  for (const auto& j : app.store->jobs(owner_id)) {
    if (j.state == "queued" || j.state == "running") {
      app.store->request_cancel(j.id);
      if (app.runner) app.runner->cancel_running(j.id);
    }
    app.store->delete_job(j.id);
    app.events.forget(j.id);
    ++n;
  }
  return n;
}

void delete_owner_everything(Service::State& app, const std::string& owner_id) {
  delete_owner_content(app, owner_id);
  app.vault->forget(owner_id);
  app.store->delete_owner(owner_id);
}

}  // namespace pixforge::service
