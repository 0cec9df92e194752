#include "route_table.h"

#include <stdexcept>
#include <string_view>

namespace pixforge::service::http {
namespace {

// ECMAScript regex characters that end a pattern's literal start.
constexpr std::string_view kRegexChars = R"(\^$.|?*+()[]{})";

}  // namespace

void RouteTable::add(const std::string& method, const std::string& pattern, Handler handler) {
  const std::size_t special = pattern.find_first_of(kRegexChars);
  Route route;
  route.method = method;
  route.literal = special == std::string::npos;
  route.literal_start = pattern.substr(0, special);
  if (!route.literal) route.pattern = std::regex(pattern);
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

const RouteTable::Handler* RouteTable::find(httplib::Request& req) const {
  const std::string_view method = req.method == "HEAD" ? std::string_view("GET") : req.method;
  const std::string& path = req.path;
  for (const Route& route : routes_) {
    if (route.method != method) continue;
    // A literal pattern has no groups: its handler reads nothing from req.matches.
    if (route.literal) {
      if (path == route.literal_start) return &route.handler;
      continue;
    }
    if (path.compare(0, route.literal_start.size(), route.literal_start) != 0) continue;
    if (std::regex_match(path, req.matches, route.pattern)) return &route.handler;
  }
  return nullptr;
}

void add_library_route(httplib::Server& server, const std::string& method,
                       const std::string& pattern, const httplib::Server::Handler& handler) {
  if (method == "GET")
    server.Get(pattern, handler);
  else if (method == "POST")
    server.Post(pattern, handler);
  else if (method == "PUT")
    server.Put(pattern, handler);
  else if (method == "PATCH")
    server.Patch(pattern, handler);
  else if (method == "DELETE")
    server.Delete(pattern, handler);
  else
    throw std::logic_error("unsupported method in route table: " + method);
}

}  // namespace pixforge::service::http
