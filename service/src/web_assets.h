// The web UI's files, embedded at build time by embed_web.cmake (generated web_assets.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace pixforge::service {

struct WebAsset {
  const char* path;          // "/index.html"
  const char* content_type;  // "text/html; charset=utf-8"
  const char* data;
  std::size_t size;
};

const std::vector<WebAsset>& web_assets();

}  // namespace pixforge::service
