// The wrapper every route runs in, and the server-wide settings (limits, timeouts, headers).
#include <spdlog/spdlog.h>

#include <chrono>

#include "event_loop_server.h"
#include "http.h"
#include "identity.h"
#include "ip.h"

namespace pixforge::service::http {
namespace {

// Inserted as they are: set_header would scan each constant for CR/LF on every request.
void security_headers(httplib::Response& res, bool tls) {
  static const std::pair<std::string, std::string> kHeaders[] = {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
  };
  for (const auto& header : kHeaders) res.headers.insert(header);
  if (tls) res.set_header("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
}

const char* openai_type(int status) {
  if (status == 401) return "authentication_error";
  if (status == 403) return "permission_error";
  if (status == 404) return "not_found_error";
  if (status == 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

void send_error(httplib::Response& res, Style style, int status, const std::string& code,
                const std::string& message, const std::string& field,
                const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  nlohmann::json body;
  switch (style) {
    case Style::kOpenAI:
      body = {{"error",
               {{"message", message},
                {"type", openai_type(status)},
                {"param", field.empty() ? nlohmann::json(nullptr) : nlohmann::json(field)},
                {"code", code}}}};
      break;
    case Style::kA1111:
      body = {{"error", code}, {"detail", message}};
      if (!field.empty()) body["field"] = field;
      break;
    default:
      body = {{"error", {{"code", code}, {"message", message}}}};
      if (!field.empty()) body["error"]["field"] = field;
  }
  for (const auto& [key, value] : extra)
    (style == Style::kA1111 ? body : body["error"])[key] = value;
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void rate_limit(Ctx& c, const std::string& ip) {
  const Limits& l = c.app.config.limits;
  if (int wait = c.app.ip_buckets.take(ip, l.ip_rate_per_s, l.ip_burst, c.app.now()); wait > 0) {
    c.res.set_header("Retry-After", std::to_string(wait));
    throw ApiError(429, "rate_limited", "too many requests from this address; retry later");
  }
}

void key_rate_limit(Ctx& c) {
  const Limits& l = c.app.config.limits;
  if (int wait = c.app.key_buckets.take(c.who.key_id, l.key_rate_per_s, l.key_burst, c.app.now());
      wait > 0) {
    c.res.set_header("Retry-After", std::to_string(wait));
    throw ApiError(429, "rate_limited", "too many requests for this API key; retry later");
  }
}

bool unsafe_method(const std::string& m) { return m != "GET" && m != "HEAD" && m != "OPTIONS"; }

// Job status GETs (polled by every browser) run their reads (session, owner, job, images,
// flags) in one read transaction. Only routes that do nothing but read the store and answer
// JSON: a snapshot held while a route decrypts images or builds an export would hold back the
// WAL checkpoint of a concurrent owner deletion (P5), and a POST may wait for its job
// (await_job) and must see the worker's commits meanwhile.
bool batched_reads(const Route& route, const httplib::Request& req) {
  return req.method == "GET" && route.pattern.rfind("/api/v1/jobs", 0) == 0;
}

void run_route(const Route& route, Service::State& app, const httplib::Request& req,
               httplib::Response& res) {
  const auto t0 = std::chrono::steady_clock::now();
  security_headers(res, app.tls);
  if (route.style != Style::kPage) res.set_header("Cache-Control", "no-store");
  Ctx c{req, res, app, {}, route.pattern};
  const std::string ip = truncate_ip(req.remote_addr);
  try {
    // The reads of a job status poll share one read transaction (see batched_reads).
    const auto reads = batched_reads(route, req) ? app.store->read_scope() : nullptr;
    rate_limit(c, ip);
    c.who = resolve_identity(app, req);
    if (c.who.via_key) key_rate_limit(c);
    if (unsafe_method(req.method)) require_csrf(c);
    route.handler(c);
  } catch (const ApiError& e) {
    send_error(res, route.style, e.status(), e.code(), e.what(), e.field(), e.extra());
  } catch (const OwnerGone&) {
    send_error(res, route.style, 401, "session_ended", "this session or account no longer exists",
               "");
  } catch (const std::exception& e) {
    // Internal messages name files, tables or ops, never request content.
    spdlog::error("{} {}: internal error: {}", req.method, route.pattern, e.what());
    send_error(res, route.style, 500, "internal_error", "internal error", "");
  }
  if (route.style == Style::kPage) return;
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  try {
    app.store->add_request_log({app.now(), req.method, route.pattern, res.status, us, ip});
  } catch (const std::exception& e) {
    spdlog::warn("request log write failed: {}", e.what());
  }
}

}  // namespace

void install(httplib::Server& server, Service::State& app, const Router& router) {
  const Limits& l = app.config.limits;
  server.set_payload_max_length(l.max_body_bytes);
  server.set_read_timeout(l.read_timeout_s, 0);
  server.set_write_timeout(l.write_timeout_s, 0);
  server.set_keep_alive_timeout(5);
  // httplib closes a keep-alive connection after 5 requests by default: a polling browser or a
  // client in a loop then pays a new TCP handshake, an accept and a pool hand-off every fifth
  // request (and meets the library's listen backlog of 5: SYN retries of a second or more).
  // nginx's default, 1000, instead; the idle timeout above still frees the thread.
  server.set_keep_alive_max_count(1000);
  // For the TLS server (httplib's own loop; plain HTTP runs on EventLoopServer, which sets
  // these itself): small JSON answers otherwise wait for Nagle's delayed-ACK round trip
  // (~35 req/s per keep-alive connection); and each keep-alive connection holds a pool thread,
  // so the pool must outnumber the connections a busy client keeps open.
  server.set_tcp_nodelay(true);
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  // The plain-HTTP server answers most requests itself (event_loop_server.h) with the same
  // routes and handlers, and leaves the rest to the library's router below.
  auto* event_loop = dynamic_cast<EventLoopServer*>(&server);
  for (const Route& route : router.routes()) {
    auto h = [&app, &route](const httplib::Request& req, httplib::Response& res) {
      run_route(route, app, req, res);
    };
    if (event_loop)
      event_loop->route(route.method, route.pattern, h);
    else
      add_library_route(server, route.method, route.pattern, h);
  }
  // Unmatched paths and errors raised by httplib itself (413 body too large, 400 bad request).
  auto on_error = [&app](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    security_headers(res, app.tls);
    const Style style = req.path.rfind("/v1/", 0) == 0 ? Style::kOpenAI : Style::kNative;
    if (res.status == 413)
      send_error(res, style, 413, "body_too_large",
                 "request body exceeds limits.max_body_bytes (" +
                     std::to_string(app.config.limits.max_body_bytes) + " bytes)",
                 "");
    else if (res.status == 404)
      send_error(res, style, 404, "not_found", "no such endpoint", "");
    else
      send_error(res, style, res.status, "http_error", "request could not be processed", "");
  };
  auto on_exception = [&app](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    security_headers(res, app.tls);
    send_error(res, Style::kNative, 500, "internal_error", "internal error", "");
  };
  server.set_error_handler(on_error);
  server.set_exception_handler(on_exception);
  if (event_loop) {
    event_loop->direct_answers().on_error = on_error;
    event_loop->direct_answers().on_exception = on_exception;
  }
}

// --- helpers ---------------------------------------------------------------------------------

nlohmann::json body_json(const Ctx& c) {
  const std::string type = c.req.get_header_value("Content-Type");
  if (type.rfind("application/json", 0) != 0)
    throw ApiError(415, "unsupported_media_type", "request body must be application/json");
  nlohmann::json j = nlohmann::json::parse(c.req.body, nullptr, false, true);
  if (j.is_discarded()) throw ApiError(400, "invalid_json", "request body is not valid JSON");
  if (!j.is_object()) throw ApiError(400, "invalid_json", "request body must be a JSON object");
  return j;
}

void send_json(Ctx& c, int status, const nlohmann::json& body) {
  c.res.status = status;
  c.res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    "application/json");
}

std::string str_field(const nlohmann::json& j, const char* name, bool required,
                      std::size_t max_len) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (required) throw bad_request(name, "is required");
    return {};
  }
  if (!it->is_string()) throw bad_request(name, "must be a string");
  std::string s = it->get<std::string>();
  if (required && s.empty()) throw bad_request(name, "must not be empty");
  if (s.size() > max_len)
    throw bad_request(name, "must be at most " + std::to_string(max_len) + " bytes");
  return s;
}

bool bool_field(const nlohmann::json& j, const char* name, bool fallback) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw bad_request(name, "must be true or false");
  return it->get<bool>();
}

std::int64_t int_field(const nlohmann::json& j, const char* name, std::int64_t fallback,
                       std::int64_t lo, std::int64_t hi) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) throw bad_request(name, "must be an integer");
  const auto v = it->get<std::int64_t>();
  if (v < lo || v > hi)
    throw bad_request(name, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return v;
}

double num_field(const nlohmann::json& j, const char* name, double fallback, double lo, double hi) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number()) throw bad_request(name, "must be a number");
  const auto v = it->get<double>();
  if (!(v >= lo && v <= hi))
    throw bad_request(name, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return v;
}

}  // namespace pixforge::service::http
