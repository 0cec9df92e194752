// The HTTP edge: a route table over cpp-httplib where every handler runs inside one wrapper
// (identity, rate limits, security headers, error mapping, request log). Handlers see a Ctx
// and throw ApiError for anything a client did wrong.
#pragma once

#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app_state.h"
#include "pixforge/service/errors.h"

namespace pixforge::service::http {

// Which error shape a route answers with.
enum class Style { kNative, kOpenAI, kA1111, kPage };

struct Identity {
  std::string owner_id;  // empty: no session, no key
  std::string kind;      // session | account
  std::string role = "user";
  bool via_key = false;
  std::string key_id;
  std::string scopes;  // API key scopes ("generate read delete"); cookie sessions have all
  int key_notice_version = 0;
  std::string session_hash;
  std::string csrf_token;
  bool restricted = false;
  bool exists() const { return !owner_id.empty(); }
};

struct Ctx {
  const httplib::Request& req;
  httplib::Response& res;
  Service::State& app;
  Identity who;
  const std::string& route;  // the pattern, for the request log
};

using Handler = std::function<void(Ctx&)>;

struct Route {
  std::string method;
  std::string pattern;  // httplib regex, e.g. R"(/api/v1/jobs/([A-Za-z0-9_-]+))"
  Style style;
  Handler handler;
};

class Router {
 public:
  void add(std::string method, std::string pattern, Style style, Handler handler) {
    routes_.push_back({std::move(method), std::move(pattern), style, std::move(handler)});
  }
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Every route group registers itself here (one function per file).
void add_consent_routes(Router& r);
void add_account_routes(Router& r);
void add_key_routes(Router& r);
void add_job_routes(Router& r);
void add_rights_routes(Router& r);
void add_openai_routes(Router& r);
void add_a1111_routes(Router& r);
void add_web_routes(Router& r);
void add_admin_routes(Router& r);
void add_moderation_routes(Router& r);  // routes_moderation.cpp (P9)
void add_showcase_routes(Router& r);    // routes_showcase.cpp (P11)

// Installs the routes, the wrapper and the server-wide settings on `server`.
void install(httplib::Server& server, Service::State& app, const Router& router);

// --- helpers for handlers ------------------------------------------------------------------
nlohmann::json body_json(const Ctx& c);  // 400 invalid_json / 415 when not JSON
void send_json(Ctx& c, int status, const nlohmann::json& body);
std::string str_field(const nlohmann::json& j, const char* name, bool required,
                      std::size_t max_len);
bool bool_field(const nlohmann::json& j, const char* name, bool fallback);
std::int64_t int_field(const nlohmann::json& j, const char* name, std::int64_t fallback,
                       std::int64_t lo, std::int64_t hi);
double num_field(const nlohmann::json& j, const char* name, double fallback, double lo, double hi);

}  // namespace pixforge::service::http
