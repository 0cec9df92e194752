// The loaded checkpoint as A1111 describes it (GET /sdapi/v1/sd-models, /options, `info`):
// modules/sd_models.py CheckpointInfo — name = the file name, model_name = its stem,
// hash = A1111's short hash (first 10 hex digits of the file's SHA-256), sha256 = the whole
// digest, title = "name [hash]" (just the name while no hash is known).
//
// The short hash is the engine's (computed when the model loads, Generator::model_hash). The
// full sha256 is computed once per file on a background thread started by the first call and
// cached (keyed by path, size and mtime); until it is done `sha256` is empty, as A1111 lists a
// checkpoint whose sha256 is not yet in its cache, so no request ever waits for the hash.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "pixforge/service/generator.h"

namespace pixforge::service {

struct A1111Checkpoint {
  std::string name;        // file name ("model.safetensors"); never a server path
  std::string model_name;  // stem
  std::string hash;        // 10 hex digits, or empty when unknown
  std::string sha256;      // 64 hex digits, or empty while computing / unknown
  std::string title;
};

A1111Checkpoint a1111_checkpoint(const Generator& generator);

// Whether a client's checkpoint reference (title, name, model_name, short hash or sha256, as
// A1111 matches them) names this checkpoint.
bool names_checkpoint(const A1111Checkpoint& checkpoint, const std::string& value);

// One GET /sdapi/v1/sd-models entry: {title, model_name, hash, sha256, filename, config}.
nlohmann::json sd_models_entry(const A1111Checkpoint& checkpoint);

// SHA-256 of a file as 64 hex digits, streamed (OpenSSL, 1 MiB reads). Returns empty when
// `stop` becomes true. Throws std::runtime_error naming the file when it cannot be read.
std::string file_sha256(const std::string& path, const std::atomic<bool>& stop);

}  // namespace pixforge::service
