// `pixforge serve`: the privacy-first service on an embedded default (SQLite + encrypted files
// in one data directory). SIGTERM/SIGINT stop it gracefully (the running job is requeued).
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <thread>

#include "command.h"
#include "engine_generator.h"
#include "engine_moderator.h"

#ifdef PIXFORGE_HAVE_SERVICE
#include "pixforge/service/config.h"
#include "pixforge/service/service.h"

namespace pixforge::cli {
namespace {

struct ServeOptions {
  std::string config_path;
  std::string listen;
  int port = -1;
  std::string data_dir;
  std::string model;
};

service::ServiceConfig load(const ServeOptions& o) {
  service::ServiceConfig c =
      o.config_path.empty() ? service::ServiceConfig{} : service::load_config(o.config_path);
  if (!o.listen.empty()) {
    // --listen HOST, HOST:PORT, or [IPv6]:PORT.
    std::string host = o.listen, port;
    if (host.front() == '[') {
      const auto close = host.find(']');
      if (close == std::string::npos) throw std::runtime_error("--listen: missing ']'");
      if (close + 1 < host.size() && host[close + 1] == ':') port = host.substr(close + 2);
      host = host.substr(1, close - 1);
    } else if (std::count(host.begin(), host.end(), ':') == 1) {
      port = host.substr(host.find(':') + 1);
      host = host.substr(0, host.find(':'));
    }
    c.server.listen = host;
    if (!port.empty()) c.server.port = std::stoi(port);
  }
  if (o.port >= 0) c.server.port = o.port;
  if (!o.data_dir.empty()) c.server.data_dir = o.data_dir;
  if (!o.model.empty()) c.server.model = o.model;
  return c;
}

// P9: generation runs only with output moderation, unless the operator turned it off in the
// configuration; the choice is stated in the start-up log either way.
void load_moderator(const service::ModerationSettings& m, service::ServiceOptions& options) {
  if (!m.enabled) {
    std::fprintf(stderr,
                 "pixforge serve: output moderation DISABLED by configuration ([moderation] "
                 "enabled = false): generated images are returned without NSFW scoring\n");
    return;
  }
  try {
    options.moderator = make_engine_moderator(m);
  } catch (const std::exception& e) {
    throw std::runtime_error(
        std::string("output moderation (P9) is enabled but its classifier cannot be loaded: ") +
        e.what() +
        ". Install it, point [moderation] models_dir at it, or set [moderation] enabled = false "
        "to serve unscored images");
  }
  std::fprintf(stderr, "pixforge serve: output moderation: %s\n",
               options.moderator->name().c_str());
}

void serve(const ServeOptions& o) {
  service::ServiceConfig config = load(o);
  // Block the stop signals in every thread; one thread waits for them and stops the service.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  service::ServiceOptions options;
  options.config = config;
  // Load the models before binding, so a bad file fails at start-up, not at the first job.
  if (!config.server.model.empty()) {
    load_moderator(config.moderation, options);
    std::fprintf(stderr, "pixforge serve: loading model %s\n", config.server.model.c_str());
    options.generator = make_engine_generator(config.server.model);
  }
  service::Service svc(std::move(options));
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&set, &sig);
    std::fprintf(stderr, "pixforge serve: stopping (signal %d)\n", sig);
    svc.stop();
  });
  if (config.server.model.empty()) {
    std::fprintf(stderr,
                 "pixforge serve: no model given (--model FILE or [server] model); generation "
                 "endpoints answer 503 model_not_loaded\n");
  }
  const int port = svc.start();
  std::fprintf(stderr, "pixforge serve: listening on %s://%s:%d (data: %s)\n",
               svc.tls() ? "https" : "http", config.server.listen.c_str(), port,
               config.server.data_dir.c_str());
  svc.run();  // returns once the waiter has stopped the service
  waiter.join();
}

}  // namespace
}  // namespace pixforge::cli

PIXFORGE_COMMAND("serve", [](CLI::App& app) {
  auto opts = std::make_shared<pixforge::cli::ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Run the privacy-first generation service");
  cmd->add_option("--config", opts->config_path, "pixforge.toml (policy, limits, server)");
  cmd->add_option("--listen", opts->listen, "address[:port] to bind (default 127.0.0.1:8080)");
  cmd->add_option("--port", opts->port, "port (0 = any free port)");
  cmd->add_option("--data-dir", opts->data_dir, "data directory (database, encrypted files, key)");
  cmd->add_option("--model", opts->model, "model file for generation");
  cmd->callback([opts] { pixforge::cli::serve(*opts); });
});
#endif
