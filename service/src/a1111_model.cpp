#include "a1111_model.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace pixforge::service {
namespace {

// One background hash per file version; joined (after asking it to stop) at process exit.
class Sha256Cache {
 public:
  ~Sha256Cache() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

  // The digest when known; otherwise starts computing it (once) and returns empty.
  std::string lookup(const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return {};
    const auto mtime = std::filesystem::last_write_time(path, ec);
    if (ec) return {};
    const std::string key = path + '\n' + std::to_string(size) + '\n' +
                            std::to_string(mtime.time_since_epoch().count());
    std::lock_guard lock(mu_);
    auto [it, inserted] = digests_.try_emplace(key);
    if (inserted) threads_.emplace_back([this, key, path] { compute(key, path); });
    return it->second;
  }

 private:
  void compute(const std::string& key, const std::string& path) {
    std::string digest;
    try {
      digest = file_sha256(path, stop_);
    } catch (const std::exception& e) {
      // The file name is the operator's own configuration, not user content.
      spdlog::warn("sd-models: no sha256 for the checkpoint: {}", e.what());
    }
    std::lock_guard lock(mu_);
    digests_[key] = digest;
  }

  std::mutex mu_;
  std::map<std::string, std::string> digests_;  // key -> digest ("" while computing/failed)
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
};

Sha256Cache& cache() {
  static Sha256Cache c;
  return c;
}

std::string hex(const unsigned char* data, unsigned int size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2u);
  for (unsigned int i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

bool same_text(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string file_sha256(const std::string& path, const std::atomic<bool>& stop) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open '" + path + "' to hash it");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 is not available");
  std::vector<char> buffer(1 << 20);
  while (in) {
    if (stop) return {};
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = in.gcount();
    if (got > 0) EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(got));
  }
  if (in.bad()) throw std::runtime_error("error reading '" + path + "' to hash it");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &size);
  return hex(digest, size);
}

A1111Checkpoint a1111_checkpoint(const Generator& generator) {
  A1111Checkpoint c;
  const std::string file = generator.model_file();
  c.model_name = generator.model_name();
  c.name = file.empty() ? c.model_name : std::filesystem::path(file).filename().string();
  c.hash = generator.model_hash();
  if (!file.empty()) c.sha256 = cache().lookup(file);
  // A1111's shorthash is sha256[:10]: when the engine had none, the full digest gives it.
  if (c.hash.empty() && !c.sha256.empty()) c.hash = c.sha256.substr(0, 10);
  c.title = c.hash.empty() ? c.name : c.name + " [" + c.hash + "]";
  return c;
}

bool names_checkpoint(const A1111Checkpoint& c, const std::string& value) {
  for (const std::string* known : {&c.title, &c.name, &c.model_name, &c.hash, &c.sha256})
    if (!known->empty() && same_text(*known, value)) return true;
  return false;
}

nlohmann::json sd_models_entry(const A1111Checkpoint& c) {
  const auto or_null = [](const std::string& s) {
    return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
  };
  // A1111 sends the absolute path as "filename"; the server's paths are not the client's
  // business, so it is the file name here.
  return {{"title", c.title},        {"model_name", c.model_name},
          {"hash", or_null(c.hash)}, {"sha256", or_null(c.sha256)},
          {"filename", c.name},      {"config", nullptr}};
}

}  // namespace pixforge::service
