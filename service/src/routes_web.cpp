// The web UI: embedded static files, same-origin only (the CSP forbids inline script), and the
// one answer its generate form is built from (GET /api/v1/generation-options).
#include "a1111_names.h"
#include "http.h"
#include "web_assets.h"

namespace pixforge::service::http {
namespace {

// [{name, label}]: the engine's name the API takes, and A1111's label for it (what the UI shows
// and what an image's infotext says, so "reuse these settings" can map back).
nlohmann::json choices(const std::vector<std::string>& names,
                       std::string (*label)(const std::string&)) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& n : names) list.push_back({{"name", n}, {"label", label(n)}});
  return list;
}

// What the loaded model offers and what the limits allow, in the names POST /api/v1/generate
// takes (the engine's, as ComfyUI spells them), so the form offers only what will be accepted.
void get_generation_options(Ctx& c) {
  const Limits& l = c.app.config.limits;
  nlohmann::json j = {{"model", nullptr},
                      {"samplers", nlohmann::json::array()},
                      {"schedulers", nlohmann::json::array()},
                      {"img2img", false},
                      {"limits",
                       {{"max_width", l.max_width},
                        {"max_height", l.max_height},
                        {"max_steps", l.max_steps},
                        {"max_batch", l.max_batch},
                        {"max_prompt_chars", l.max_prompt_chars},
                        {"max_body_bytes", l.max_body_bytes},
                        {"max_image_side", l.max_image_side}}}};
  if (c.app.generator) {
    j["model"] = c.app.generator->model_name();
    j["samplers"] = choices(c.app.generator->samplers(), sampler_label);
    j["schedulers"] = choices(c.app.generator->schedulers(), scheduler_label);
    j["img2img"] = c.app.generator->supports_img2img();
  }
  send_json(c, 200, j);
}

}  // namespace

void add_web_routes(Router& r) {
  for (const WebAsset& asset : web_assets()) {
    const WebAsset* a = &asset;
    auto serve = [a](Ctx& c) {
      c.res.status = 200;
      c.res.set_header("Cache-Control", "no-cache");
      c.res.set_content(a->data, a->size, a->content_type);
    };
    r.add("GET", a->path, Style::kPage, serve);
    if (std::string(a->path) == "/index.html") r.add("GET", "/", Style::kPage, serve);
  }
  // The page declares its icon as a data: URL; tools that still ask for the conventional path
  // get "nothing here" rather than an error status in the browser console.
  r.add("GET", "/favicon.ico", Style::kPage, [](Ctx& c) { c.res.status = 204; });
  r.add("GET", "/api/v1/generation-options", Style::kNative, get_generation_options);
}

}  // namespace pixforge::service::http
