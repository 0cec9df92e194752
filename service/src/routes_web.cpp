// The web UI: embedded static files, same-origin only (the CSP forbids inline script).
#include "http.h"
#include "web_assets.h"

namespace pixforge::service::http {

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
}

}  // namespace pixforge::service::http
