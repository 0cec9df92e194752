#include "pixforge/service/export_zip.h"

#include <zip.h>

#include <memory>
#include <stdexcept>

namespace pixforge::service {
namespace {

[[noreturn]] void zip_fail(const char* what, zip_error_t* err) {
  const std::string msg = std::string("zip: ") + what + ": " + zip_error_strerror(err);
  zip_error_fini(err);
  throw std::runtime_error(msg);
}

std::string drain(zip_source_t* src) {
  zip_stat_t st;
  if (zip_source_open(src) < 0) throw std::runtime_error("zip: cannot reopen archive buffer");
  zip_source_seek(src, 0, SEEK_END);
  const auto size = zip_source_tell(src);
  zip_source_seek(src, 0, SEEK_SET);
  std::string out(static_cast<std::size_t>(size), '\0');
  const auto got = zip_source_read(src, out.data(), static_cast<zip_uint64_t>(size));
  zip_source_close(src);
  (void)st;
  if (got != size) throw std::runtime_error("zip: short read of archive buffer");
  return out;
}

}  // namespace

std::string make_zip(const std::vector<std::pair<std::string, std::string>>& files) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
  if (!src) zip_fail("create buffer", &err);
  zip_source_keep(src);
  zip_t* za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
  if (!za) {
    zip_source_free(src);
    zip_fail("open", &err);
  }
  for (const auto& [name, data] : files) {
    zip_source_t* f = zip_source_buffer(za, data.data(), data.size(), 0);
    if (!f || zip_file_add(za, name.c_str(), f, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) < 0) {
      if (f) zip_source_free(f);
      zip_discard(za);
      zip_source_free(src);
      throw std::runtime_error("zip: cannot add " + name);
    }
  }
  if (zip_close(za) < 0) {
    zip_discard(za);
    zip_source_free(src);
    throw std::runtime_error("zip: cannot finish archive");
  }
  std::string out = drain(src);
  zip_source_free(src);
  zip_error_fini(&err);
  return out;
}

std::vector<std::pair<std::string, std::string>> read_zip(const std::string& archive) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(archive.data(), archive.size(), 0, &err);
  if (!src) zip_fail("create buffer", &err);
  zip_t* za = zip_open_from_source(src, ZIP_RDONLY, &err);
  if (!za) {
    zip_source_free(src);
    zip_fail("open", &err);
  }
  std::vector<std::pair<std::string, std::string>> out;
  const auto n = zip_get_num_entries(za, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st);
    zip_file_t* f = zip_fopen_index(za, static_cast<zip_uint64_t>(i), 0);
    if (!f) continue;
    std::string data(static_cast<std::size_t>(st.size), '\0');
    zip_fread(f, data.data(), st.size);
    zip_fclose(f);
    out.emplace_back(st.name, std::move(data));
  }
  zip_close(za);
  zip_error_fini(&err);
  return out;
}

}  // namespace pixforge::service
