// A1111's short model hash (modules/hashes.py: sha256 of the whole file, first 10 hex digits),
// streamed through libsodium so multi-GB checkpoints never sit in memory twice.
#include <sodium.h>

#include <cstdio>
#include <fstream>
#include <vector>

#include "pixforge/io/tensor_source.h"
#include "pixforge/pipeline/model.h"

namespace pixforge::pipeline {

std::string a1111_short_hash(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ModelFormatError("cannot open '" + file + "' to hash it");
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = in.gcount();
    if (got > 0) {
      crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buffer.data()),
                                static_cast<unsigned long long>(got));
    }
  }
  if (in.bad()) throw ModelFormatError("error reading '" + file + "' to hash it");
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  std::string hex;
  char two[3];
  for (int i = 0; i < 5; ++i) {
    std::snprintf(two, sizeof two, "%02x", digest[i]);
    hex += two;
  }
  return hex;
}

}  // namespace pixforge::pipeline
