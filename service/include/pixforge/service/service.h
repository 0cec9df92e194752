// The Pixforge service: an HTTP server (cpp-httplib) over the store, the encryption layer, the
// job queue and the engine. `pixforge serve` builds one from pixforge.toml; tests build one
// in-process on an ephemeral loopback port with a ManualClock.
#pragma once

#include <memory>
#include <string>

#include "pixforge/service/blob_store.h"
#include "pixforge/service/clock.h"
#include "pixforge/service/config.h"
#include "pixforge/service/generator.h"
#include "pixforge/service/moderator.h"
#include "pixforge/service/store.h"
#include "pixforge/service/vault.h"

namespace pixforge::service {

struct ServiceOptions {
  ServiceConfig config;
  const Clock* clock = nullptr;          // null: the system clock
  std::unique_ptr<Generator> generator;  // null: generation answers 503
  // Scores every output (P9). With a generator it is required unless the configuration
  // disables moderation explicitly (moderation.enabled = false); Service throws otherwise.
  std::unique_ptr<ImageModerator> moderator;
  bool start_worker = true;   // the job worker thread
  bool start_sweeper = true;  // periodic retention sweeps
};

class Service {
 public:
  explicit Service(ServiceOptions options);  // opens the data dir, migrates, recovers jobs
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Binds (port 0 = ephemeral) and serves on a background thread; returns the bound port.
  int start();
  // Blocks serving on the calling thread until stop() (used by `pixforge serve`).
  void run();
  // Stops accepting, finishes or requeues the running job, joins threads. Idempotent.
  void stop();
  int port() const;
  bool tls() const;

  // Runs one retention sweep now; returns how many items it deleted.
  int sweep_now();

  // The store and blob store behind this service (tests, `pixforge admin`).
  Store& store();
  BlobStore& blobs();
  Vault& vault();
  const Key& audit_key() const;

  struct State;
  State& state();

 private:
  std::unique_ptr<State> state_;
};

}  // namespace pixforge::service
