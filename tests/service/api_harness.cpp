#include "api_harness.h"

#include <gtest/gtest.h>
#include <png.h>
#include <sodium.h>

#include <chrono>
#include <thread>

namespace pixforge::service::testing {

std::vector<Image> GradientGenerator::run(const GenerationParams& p,
                                          const std::function<void(const Progress&)>& progress,
                                          const std::atomic<bool>& cancel) {
  ++runs;
  {
    std::unique_lock lock(mu_);
    last_params = p;
    running_ = true;
    cv_.notify_all();
    // The cancel flag is set without notifying this condition variable: poll it.
    while (hold_ && !cancel.load()) cv_.wait_for(lock, std::chrono::milliseconds(5));
    running_ = false;
  }
  for (int s = 1; s <= p.steps; ++s) {
    if (cancel) throw GenerationCancelled();
    Progress pr{s, p.steps, std::nullopt};
    if (s == p.steps) {
      Image preview{8, 8, 3, std::vector<std::uint8_t>(8 * 8 * 3, 128)};
      pr.preview = preview;
    }
    progress(pr);
  }
  std::vector<Image> out;
  for (int b = 0; b < p.batch; ++b) {
    Image img{p.width, p.height, 3, {}};
    img.pixels.resize(static_cast<std::size_t>(p.width) * p.height * 3);
    for (int y = 0; y < p.height; ++y)
      for (int x = 0; x < p.width; ++x) {
        auto* px = &img.pixels[(static_cast<std::size_t>(y) * p.width + x) * 3];
        px[0] = static_cast<std::uint8_t>(x + p.seed);
        px[1] = static_cast<std::uint8_t>(y + b);
        px[2] = static_cast<std::uint8_t>(p.seed >> 3);
      }
    out.push_back(std::move(img));
  }
  return out;
}

void GradientGenerator::hold(bool on) {
  std::lock_guard lock(mu_);
  hold_ = on;
  cv_.notify_all();
}

bool GradientGenerator::wait_until_running(int timeout_ms) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return running_; });
}

// --- client ---------------------------------------------------------------------------------

httplib::Headers Client::headers(httplib::Headers extra, bool unsafe) const {
  if (!cookie.empty()) extra.emplace("Cookie", cookie);
  if (unsafe && !csrf.empty()) extra.emplace("X-CSRF-Token", csrf);
  if (!bearer.empty()) extra.emplace("Authorization", "Bearer " + bearer);
  return extra;
}

Response Client::wrap(const httplib::Result& r) {
  Response out;
  if (!r) return out;
  out.status = r->status;
  out.body = r->body;
  out.headers = r->headers;
  const std::string set = r->get_header_value("Set-Cookie");
  if (!set.empty()) {
    const std::string pair = set.substr(0, set.find(';'));
    cookie = pair.substr(pair.find('=') + 1).empty() ? "" : pair;
  }
  auto j = out.json();
  if (j.is_object() && j.contains("csrf_token") && j["csrf_token"].is_string())
    csrf = j["csrf_token"];
  return out;
}

Response Client::get(const std::string& path, httplib::Headers extra) {
  return wrap(http_.Get(path.c_str(), headers(std::move(extra), false)));
}
Response Client::post(const std::string& path, const nlohmann::json& body, httplib::Headers extra) {
  return wrap(
      http_.Post(path.c_str(), headers(std::move(extra), true), body.dump(), "application/json"));
}
Response Client::raw_post(const std::string& path, const std::string& body, const std::string& type,
                          httplib::Headers extra) {
  return wrap(http_.Post(path.c_str(), headers(std::move(extra), true), body, type.c_str()));
}
Response Client::put(const std::string& path, const nlohmann::json& body) {
  return wrap(http_.Put(path.c_str(), headers({}, true), body.dump(), "application/json"));
}
Response Client::patch(const std::string& path, const nlohmann::json& body) {
  return wrap(http_.Patch(path.c_str(), headers({}, true), body.dump(), "application/json"));
}
Response Client::del(const std::string& path) {
  return wrap(http_.Delete(path.c_str(), headers({}, true)));
}

void Client::consent(int notice_version) {
  auto r = post("/api/v1/consent",
                {{"agree", true}, {"age_confirmed", true}, {"notice_version", notice_version}});
  ASSERT_EQ(r.status, 201) << r.body;
}

std::string Client::sign_up(const std::string& username, const std::string& email) {
  nlohmann::json body = {{"username", username},
                         {"password", "long enough password"},
                         {"age_confirmed", true},
                         {"agree", true},
                         {"notice_version", 1}};
  if (!email.empty()) body["email"] = email;
  auto r = post("/api/v1/account", body);
  EXPECT_EQ(r.status, 201) << r.body;
  return r.json().value("id", "");
}

// --- service --------------------------------------------------------------------------------

ServiceConfig test_config() {
  ServiceConfig c;
  c.server.port = 0;
  c.server.sweep_interval_s = 3600;
  // The ManualClock never refills token buckets on its own: only the rate-limit tests set
  // small buckets (and advance the clock).
  c.limits.ip_burst = 1e9;
  c.limits.key_burst = 1e9;
  // The GradientGenerator's pictures need no scoring; the P9 tests install their own
  // ImageModerator (moderation_harness.h).
  c.moderation.enabled = false;
  return c;
}

TestService::TestService(bool with_generator, std::optional<ServiceConfig> config,
                         std::shared_ptr<TempDir> d)
    : dir(d ? std::move(d) : std::make_shared<TempDir>()), with_generator_(with_generator) {
  start(with_generator, config ? std::move(*config) : test_config());
}

TestService::~TestService() { service_.reset(); }

void TestService::start(bool with_generator, ServiceConfig config) {
  config.server.data_dir = dir->path() + "/data";
  config.server.port = 0;
  ServiceOptions o;
  o.config = std::move(config);
  o.clock = &clock;
  o.start_sweeper = false;
  if (with_generator) {
    auto g = std::make_unique<GradientGenerator>();
    generator = g.get();
    o.generator = std::move(g);
  } else {
    generator = nullptr;
  }
  service_ = std::make_unique<Service>(std::move(o));
  port = service_->start();
}

void TestService::restart(ServiceConfig config) {
  service_.reset();
  start(with_generator_, std::move(config));
}

nlohmann::json wait_for_job(Client& c, const std::string& job_id) {
  for (int i = 0; i < 1000; ++i) {
    auto j = c.get("/api/v1/jobs/" + job_id).json();
    const std::string state = j.value("state", "");
    if (state != "queued" && state != "running") return j;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "job did not finish";
  return {};
}

std::string b64(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);
  return out;
}

std::string png_with_text(int w, int h, const std::string& key, const std::string& text) {
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep data, png_size_t n) {
        static_cast<std::string*>(png_get_io_ptr(p))->append(reinterpret_cast<char*>(data), n);
      },
      nullptr);
  png_set_IHDR(png, info, static_cast<png_uint_32>(w), static_cast<png_uint_32>(h), 8,
               PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_text t{};
  t.compression = PNG_TEXT_COMPRESSION_NONE;
  t.key = const_cast<char*>(key.c_str());
  t.text = const_cast<char*>(text.c_str());
  png_set_text(png, info, &t, 1);
  png_write_info(png, info);
  std::vector<png_byte> row(static_cast<std::size_t>(w) * 3, 77);
  for (int y = 0; y < h; ++y) png_write_row(png, row.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

}  // namespace pixforge::service::testing
