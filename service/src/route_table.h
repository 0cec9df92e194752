// The event loop's own route lookup (event_loop_server.h, direct answers): the same patterns,
// order and first-match rule as cpp-httplib's router, without trying every route's regex on
// every request. Each pattern's literal start (up to its first regex character) is compared
// first, so a request tries the regex of one or two routes instead of all of those before its
// own; a pattern without regex characters is compared as a string.
#pragma once

#include <httplib.h>

#include <regex>
#include <string>
#include <vector>

namespace pixforge::service::http {

class RouteTable {
 public:
  using Handler = httplib::Server::Handler;

  // Routes are tried in the order added; HEAD requests use the GET routes, as in cpp-httplib.
  void add(const std::string& method, const std::string& pattern, Handler handler);

  // The first route matching req.method and req.path, with req.matches set from its pattern;
  // nullptr when none does.
  const Handler* find(httplib::Request& req) const;

 private:
  struct Route {
    std::string method;
    std::string literal_start;  // the whole pattern when `literal`
    bool literal = false;
    std::regex pattern;
    Handler handler;
  };
  std::vector<Route> routes_;
};

// Registers `handler` on cpp-httplib's own router under `method` (GET, POST, PUT, PATCH or
// DELETE; anything else is a logic error).
void add_library_route(httplib::Server& server, const std::string& method,
                       const std::string& pattern, const httplib::Server::Handler& handler);

}  // namespace pixforge::service::http
