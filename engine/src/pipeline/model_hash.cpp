// A1111's short model hash (modules/hashes.py: sha256 of the whole file, first 10 hex digits),
// streamed through OpenSSL's SHA-256 (SHA-NI: ~2 GB/s here, several times libsodium's portable
// code) so a multi-GB checkpoint costs about a second and never sits in memory twice.
#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <vector>

#include "pixforge/io/tensor_source.h"
#include "pixforge/pipeline/model.h"

namespace pixforge::pipeline {

std::string a1111_short_hash(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ModelFormatError("cannot open '" + file + "' to hash it");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 is not available");
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = in.gcount();
    if (got > 0) EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(got));
  }
  if (in.bad()) throw ModelFormatError("error reading '" + file + "' to hash it");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &digest_size);
  std::string hex;
  char two[3];
  for (int i = 0; i < 5; ++i) {
    std::snprintf(two, sizeof two, "%02x", digest[i]);
    hex += two;
  }
  return hex;
}

}  // namespace pixforge::pipeline
