#include "engine_moderator.h"

#ifdef PIXFORGE_HAVE_SERVICE

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>

#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/vision/nsfw.h"

namespace pixforge::cli {
namespace {

constexpr const char* kClassifierFile = "nsfw/mobilenet_v2/model.json";

// The configured folder, else $PIXFORGE_MODELS, else ./models, else the models/ folder of the
// checkout this binary was built in (scripts/setup installs there; build/cli/pixforge), so a
// server started from another working directory still finds the weights it was set up with.
std::string resolve_models_dir(const std::string& configured) {
  namespace fs = std::filesystem;
  if (!configured.empty()) return configured;
  if (const char* env = std::getenv("PIXFORGE_MODELS"); env && *env) return env;
  if (fs::exists(fs::path("models") / kClassifierFile)) return "models";
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path checkout = exe.parent_path().parent_path().parent_path() / "models";
    if (fs::exists(checkout / kClassifierFile, ec)) return checkout.string();
  }
  return "models";  // absent: the classifier's error names it and how to install it
}

class EngineModerator final : public service::ImageModerator {
 public:
  explicit EngineModerator(const service::ModerationSettings& s)
      : dir_(resolve_models_dir(s.models_dir)),
        backend_(make_cpu_backend()),
        nsfw_(*backend_, dir_) {
    thresholds_.porn = static_cast<float>(s.porn);
    thresholds_.hentai = static_cast<float>(s.hentai);
    thresholds_.sexy = static_cast<float>(s.sexy);
  }

  std::string name() const override {
    return "nsfwjs MobileNetV2 (flag at porn >= " + std::to_string(thresholds_.porn) +
           ", hentai >= " + std::to_string(thresholds_.hentai) +
           ", sexy >= " + std::to_string(thresholds_.sexy) + "; weights in " + dir_ + ")";
  }

  service::ModerationScore score(const service::Image& in) override {
    Image img;
    img.width = in.width;
    img.height = in.height;
    img.channels = in.channels;
    img.pixels = in.pixels;
    // One worker calls this today; the lock keeps the shared backend safe if that changes.
    std::lock_guard lock(mu_);
    const vision::ModerationResult r = nsfw_.classify(img, thresholds_);
    service::ModerationScore out;
    out.flagged = r.flagged;
    out.top = std::string(vision::nsfw_class_name(r.top));
    for (int c = 0; c < vision::kNsfwClasses; ++c)
      out.probabilities.emplace_back(
          std::string(vision::nsfw_class_name(static_cast<vision::NsfwClass>(c))),
          static_cast<double>(r.probabilities[static_cast<std::size_t>(c)]));
    return out;
  }

 private:
  std::string dir_;
  std::unique_ptr<Backend> backend_;
  vision::NsfwClassifier nsfw_;
  vision::ModerationThresholds thresholds_;
  std::mutex mu_;
};

}  // namespace

std::unique_ptr<service::ImageModerator> make_engine_moderator(
    const service::ModerationSettings& settings) {
  return std::make_unique<EngineModerator>(settings);
}

}  // namespace pixforge::cli
#endif  // PIXFORGE_HAVE_SERVICE
