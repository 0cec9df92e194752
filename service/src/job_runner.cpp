#include "job_runner.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include "a1111_batch.h"
#include "a1111_inpaint.h"
#include "a1111_names.h"
#include "owner_data.h"
#include "png_io.h"
#include "variation_hires_json.h"

namespace pixforge::service {

std::string base64(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::string png_data_url(const std::string& png) { return "data:image/png;base64," + base64(png); }

void JobRunner::start() {
  thread_ = std::thread([this] { loop(); });
}

void JobRunner::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cancel_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void JobRunner::notify() {
  {
    std::lock_guard lock(mu_);
    pending_ = true;
  }
  cv_.notify_all();
}

void JobRunner::cancel_running(const std::string& job_id) {
  std::lock_guard lock(mu_);
  if (running_ == job_id) cancel_ = true;
}

std::string JobRunner::running_job() const {
  std::lock_guard lock(mu_);
  return running_;
}

void JobRunner::loop() {
  while (true) {
    {
      std::unique_lock lock(mu_);
      // Poll every second as well: another process (the CLI, a second host) may queue jobs.
      cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_ || pending_; });
      if (stopping_) return;
      pending_ = false;
    }
    while (auto job = app_.store->claim_next_job(app_.now())) {
      if (job->cancel_requested) {
        app_.store->finish_job(job->id, "cancelled", "", app_.now());
        app_.events.publish(job->id, {{"type", "cancelled"}});
        continue;
      }
      {
        std::lock_guard lock(mu_);
        if (stopping_) {
          app_.store->recover_interrupted_jobs(true);
          return;
        }
        running_ = job->id;
        cancel_ = false;
      }
      run_one(*job);
      std::lock_guard lock(mu_);
      running_.clear();
      if (stopping_) return;
    }
  }
}

GenerationParams JobRunner::load_params(const JobRow& job) {
  const auto j = nlohmann::json::parse(
      app_.vault->open_for(job.owner_id, job.params_sealed, params_aad(job.id)));
  GenerationParams p;
  p.prompt = app_.vault->open_for(job.owner_id, job.prompt_sealed, prompt_aad(job.id));
  p.negative_prompt = j.value("negative_prompt", "");
  p.width = j.at("width");
  p.height = j.at("height");
  p.steps = j.at("steps");
  p.cfg_scale = j.at("cfg_scale");
  p.seed = j.at("seed");
  p.sampler = j.at("sampler");
  p.scheduler = j.value("scheduler", "normal");  // jobs queued before schedules were stored
  p.batch = j.at("batch");
  p.strength = j.value("strength", 0.75);
  p.batch_count = j.value("batch_count", 1);  // absent in jobs queued before A1111 n_iter
  p.seed_per_image = j.value("seed_per_image", false);
  read_variation_hires_json(j, p);  // absent in jobs queued before variation seeds / hires fix
  if (j.contains("inpaint")) p.inpaint = inpaint_from_json(j["inpaint"]);
  for (const auto& b : app_.store->blobs(job.owner_id)) {
    if (b.job_id != job.id || b.kind != "upload") continue;
    const auto sealed = app_.blobs->get(b.id);
    if (!sealed) throw std::runtime_error("input image of the job is missing");
    const Image img = decode_png(app_.vault->open_for(job.owner_id, *sealed, blob_aad(b.id)),
                                 app_.config.limits.max_image_pixels);
    (p.init_image ? p.mask : p.init_image) = img;
  }
  return p;
}

void JobRunner::publish_progress(const JobRow& job, const JobProgress& p,
                                 const std::optional<Image>& preview) {
  // step/total over the whole job; the iteration fields are A1111's job_no/job_count and
  // sampling_step/sampling_steps (GET /sdapi/v1/progress).
  nlohmann::json ev = {{"type", "progress"},
                       {"step", p.step},
                       {"total", p.total},
                       {"iteration", p.iteration},
                       {"iterations", p.iterations},
                       {"iteration_step", p.iteration_step},
                       {"iteration_steps", p.iteration_steps}};
  if (preview) ev["preview"] = png_data_url(encode_png(*preview));
  app_.events.publish(job.id, std::move(ev));
}

namespace {

// The moderator could not score an image: the job fails and nothing of it is stored.
struct ModerationFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string scores_json(const ModerationScore& score) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, p] : score.probabilities) j[name] = p;
  return j.dump();
}

}  // namespace

void JobRunner::store_one(const JobRow& job, const Image& img,
                          const std::optional<ModerationScore>& score, Stored& out) {
  const std::string id = random_token(16);
  const bool flagged = score && score->flagged;
  const Bytes sealed = app_.vault->seal_for(job.owner_id, encode_png(img), blob_aad(id));
  // The file is in place (atomically) before the row that makes it visible.
  app_.blobs->put(id, sealed);
  const BlobRow row{id,         job.owner_id,
                    job.id,     flagged ? "flagged" : "output",
                    app_.now(), static_cast<std::int64_t>(sealed.size())};
  try {
    if (flagged) {
      FlagRow flag;
      flag.id = random_token(16);
      flag.blob_id = id;
      flag.owner_id = job.owner_id;
      flag.job_id = job.id;
      flag.created_ms = row.created_ms;
      flag.scores = scores_json(*score);
      flag.top_class = score->top;
      app_.store->add_flagged_output(row, flag);
      ++out.withheld;
    } else {
      app_.store->add_blob(row);
      out.visible.push_back(id);
    }
  } catch (...) {
    app_.blobs->remove(id);  // the job or owner was deleted meanwhile
    throw;
  }
}

JobRunner::Stored JobRunner::store_outputs(const JobRow& job, const std::vector<Image>& images) {
  // Every image is scored before any is written: one that cannot be scored fails the job.
  std::vector<std::optional<ModerationScore>> scores(images.size());
  if (app_.moderator) {
    for (std::size_t i = 0; i < images.size(); ++i) {
      try {
        scores[i] = app_.moderator->score(images[i]);
      } catch (const std::exception& e) {
        throw ModerationFailed(e.what());
      }
    }
  }
  Stored out;
  for (std::size_t i = 0; i < images.size(); ++i) store_one(job, images[i], scores[i], out);
  return out;
}

void JobRunner::run_one(const JobRow& job) {
  app_.events.publish(job.id, {{"type", "started"}});
  try {
    const GenerationParams params = load_params(job);
    const std::vector<GenerationParams> runs = generator_runs(params);
    std::vector<Image> images;
    for (std::size_t r = 0; r < runs.size(); ++r) {
      auto part = app_.generator->run(
          runs[r],
          [&](const Progress& p) {
            publish_progress(
                job, job_progress(params, static_cast<int>(r), static_cast<int>(runs.size()), p),
                p.preview);
          },
          cancel_);
      for (auto& img : part) images.push_back(std::move(img));
    }
    if (app_.config.privacy.embed_parameters)
      attach_a1111_parameters(images, params, app_.generator->model_name(),
                              app_.generator->model_hash());
    const Stored stored = store_outputs(job, images);
    app_.store->finish_job(job.id, "succeeded", "", app_.now());
    nlohmann::json done = {{"type", "done"}, {"state", "succeeded"}, {"images", stored.visible}};
    if (stored.withheld > 0) done["withheld_images"] = stored.withheld;
    app_.events.publish(job.id, std::move(done));
  } catch (const GenerationCancelled&) {
    bool shutdown;
    {
      std::lock_guard lock(mu_);
      shutdown = stopping_;
    }
    if (shutdown) {
      app_.store->recover_interrupted_jobs(true);  // back in the queue for the next start
      app_.events.publish(job.id, {{"type", "requeued"}});
    } else {
      app_.store->finish_job(job.id, "cancelled", "", app_.now());
      app_.events.publish(job.id, {{"type", "done"}, {"state", "cancelled"}});
    }
  } catch (const ModerationFailed& e) {
    // Classifier errors name files and shapes, never image content.
    spdlog::error("job failed: output moderation: {}", e.what());
    app_.store->finish_job(job.id, "failed", "moderation_failed", app_.now());
    app_.events.publish(job.id,
                        {{"type", "done"}, {"state", "failed"}, {"error", "moderation_failed"}});
  } catch (const OwnerGone&) {
    // The owner deleted everything while the job ran: nothing to store, nothing to tell.
    app_.events.forget(job.id);
  } catch (const std::exception& e) {
    // Engine errors name shapes, files and ops, never the prompt.
    spdlog::error("job failed: {}", e.what());
    app_.store->finish_job(job.id, "failed", "generation_failed", app_.now());
    app_.events.publish(job.id,
                        {{"type", "done"}, {"state", "failed"}, {"error", "generation_failed"}});
  }
}

}  // namespace pixforge::service
