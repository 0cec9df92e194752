// RouteTable (service/src/route_table.h): the event loop's route lookup must pick the same
// handler as cpp-httplib's router (first match in registration order, HEAD on the GET routes,
// whole-path regex match with groups in req.matches) while comparing literal starts first.
#include "../../service/src/route_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "../../service/src/http.h"
#include "memory_stream.h"

namespace pixforge::service::http {
namespace {

using testing::MemoryStream;

// Routes whose handlers write their own name into the answer, so a found handler says which
// route it is.
class Routes {
 public:
  void add(const std::string& method, const std::string& pattern, const std::string& name) {
    table_.add(method, pattern,
               [name](const httplib::Request&, httplib::Response& res) { res.body = name; });
  }
  // The name of the route found for method + path ("" when none).
  std::string find(const std::string& method, const std::string& path) const {
    httplib::Request req;
    return find(method, path, req);
  }
  // The same, with `req` (which must outlive its matches) keeping the matches.
  std::string find(const std::string& method, const std::string& path,
                   httplib::Request& req) const {
    req.method = method;
    req.path = path;
    const RouteTable::Handler* handler = table_.find(req);
    if (!handler) return "";
    httplib::Response res;
    (*handler)(req, res);
    return res.body;
  }

 private:
  RouteTable table_;
};

TEST(RouteTableTest, FirstMatchInRegistrationOrderWins) {
  Routes r;
  r.add("GET", "/v1/jobs/([^/]+)", "job");
  r.add("GET", "/v1/jobs/events", "events");  // shadowed by the regex above, as in cpp-httplib
  r.add("GET", "/v1/(.*)", "catch-all");
  EXPECT_EQ(r.find("GET", "/v1/jobs/events"), "job");
  EXPECT_EQ(r.find("GET", "/v1/jobs/j_1"), "job");
  EXPECT_EQ(r.find("GET", "/v1/jobs/j_1/outputs"), "catch-all");
  EXPECT_EQ(r.find("GET", "/v1/models"), "catch-all");
}

TEST(RouteTableTest, LiteralRouteAddedFirstWinsOverALaterRegex) {
  Routes r;
  r.add("GET", "/v1/jobs/events", "events");
  r.add("GET", "/v1/jobs/([^/]+)", "job");
  EXPECT_EQ(r.find("GET", "/v1/jobs/events"), "events");
  EXPECT_EQ(r.find("GET", "/v1/jobs/other"), "job");
}

TEST(RouteTableTest, MethodsAreSeparateAndHeadUsesGetRoutes) {
  Routes r;
  r.add("POST", "/v1/jobs", "post-jobs");
  r.add("GET", "/v1/jobs", "get-jobs");
  r.add("DELETE", "/v1/jobs/(\\w+)", "delete-job");
  EXPECT_EQ(r.find("GET", "/v1/jobs"), "get-jobs");
  EXPECT_EQ(r.find("HEAD", "/v1/jobs"), "get-jobs");
  EXPECT_EQ(r.find("POST", "/v1/jobs"), "post-jobs");
  EXPECT_EQ(r.find("DELETE", "/v1/jobs/abc"), "delete-job");
  EXPECT_EQ(r.find("HEAD", "/v1/jobs/abc"), "");  // no GET route for it
  EXPECT_EQ(r.find("PUT", "/v1/jobs"), "");
  EXPECT_EQ(r.find("get", "/v1/jobs"), "");  // methods are compared exactly
}

TEST(RouteTableTest, LiteralPatternsAreComparedExactly) {
  Routes r;
  r.add("GET", "/health", "health");
  r.add("GET", "/", "root");
  EXPECT_EQ(r.find("GET", "/health"), "health");
  EXPECT_EQ(r.find("GET", "/"), "root");
  for (const char* path : {"/health/", "/healthz", "/Health", "/healt", "", "//", "/health?x"})
    EXPECT_EQ(r.find("GET", path), "") << path;
}

TEST(RouteTableTest, RegexMustMatchTheWholePath) {
  Routes r;
  r.add("GET", "/img/(\\d+)\\.png", "png");
  EXPECT_EQ(r.find("GET", "/img/12.png"), "png");
  EXPECT_EQ(r.find("GET", "/img/12.png/x"), "");
  EXPECT_EQ(r.find("GET", "/img/12xpng"), "");  // the escaped dot is a dot
  EXPECT_EQ(r.find("GET", "/x/img/12.png"), "");
}

TEST(RouteTableTest, RegexGroupsAreInMatches) {
  Routes r;
  r.add("GET", "/v1/users/([^/]+)/images/(\\d+)", "image");
  httplib::Request req;
  ASSERT_EQ(r.find("GET", "/v1/users/ann/images/42", req), "image");
  ASSERT_EQ(req.matches.size(), 3u);
  EXPECT_EQ(req.matches[0], "/v1/users/ann/images/42");
  EXPECT_EQ(req.matches[1], "ann");
  EXPECT_EQ(req.matches[2], "42");
}

// Patterns whose literal starts are prefixes of one another and of the path: the precheck must
// neither skip the right route nor stop at a wrong one.
TEST(RouteTableTest, PathSharingALiteralPrefixWithSeveralRoutes) {
  Routes r;
  r.add("GET", "/v1/jobs", "jobs");
  r.add("GET", "/v1/jobs/([a-z]+)", "job-letters");
  r.add("GET", "/v1/jobs/(\\d+)/outputs", "outputs");
  r.add("GET", "/v1/jobs/(\\d+)", "job-digits");
  r.add("GET", "/v1/job(s?)", "job-or-jobs");
  r.add("GET", "/v1/(jobs|keys)/export", "export");
  EXPECT_EQ(r.find("GET", "/v1/jobs"), "jobs");
  EXPECT_EQ(r.find("GET", "/v1/jobs/abc"), "job-letters");
  EXPECT_EQ(r.find("GET", "/v1/jobs/12/outputs"), "outputs");
  EXPECT_EQ(r.find("GET", "/v1/jobs/12"), "job-digits");
  EXPECT_EQ(r.find("GET", "/v1/job"), "job-or-jobs");
  EXPECT_EQ(r.find("GET", "/v1/jobs/export"), "job-letters");  // added before "export"
  EXPECT_EQ(r.find("GET", "/v1/keys/export"), "export");
  EXPECT_EQ(r.find("GET", "/v1/jobs/a1"), "");
}

TEST(RouteTableTest, PatternStartingWithARegexCharacterIsTriedOnEveryPath) {
  Routes r;
  r.add("GET", "(/a|/b)/x", "ab");
  r.add("GET", ".*", "any");
  EXPECT_EQ(r.find("GET", "/b/x"), "ab");
  EXPECT_EQ(r.find("GET", "/c/x"), "any");
  EXPECT_EQ(r.find("GET", ""), "any");
}

TEST(RouteTableTest, NoMatchIsNullptr) {
  RouteTable empty;
  httplib::Request req;
  req.method = "GET";
  req.path = "/";
  EXPECT_EQ(empty.find(req), nullptr);
  Routes r;
  r.add("GET", "/a", "a");
  EXPECT_EQ(r.find("GET", "/b"), "");
  EXPECT_EQ(r.find("POST", "/a"), "");
}

// cpp-httplib's router with the same routes; says which route's handler a request reaches.
class LibraryRouter : public httplib::Server {
 public:
  void add(const std::string& method, const std::string& pattern, const std::string& name) {
    auto handler = [this, name](const httplib::Request&, httplib::Response&) { found_ = name; };
    if (method == "GET") Get(pattern, handler);
    if (method == "POST") Post(pattern, handler);
    if (method == "PUT") Put(pattern, handler);
    if (method == "PATCH") Patch(pattern, handler);
    if (method == "DELETE") Delete(pattern, handler);
  }
  std::string find(const std::string& method, const std::string& path) {
    found_.clear();
    MemoryStream stream(method + " " + path + " HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    bool closed = false;
    process_request(stream, true, closed, nullptr);
    return found_;
  }

 private:
  std::string found_;
};

// Paths a pattern might meet: each group replaced by sample ids (good, empty, too long, with a
// dot or a slash), with suffixes. Patterns with regex syntax outside their groups give none.
std::vector<std::string> sample_paths(const std::string& pattern) {
  std::vector<std::string> heads = {""};
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '(') {
      std::size_t depth = 0, end = i;
      for (; end < pattern.size(); ++end) {
        if (pattern[end] == '(') ++depth;
        if (pattern[end] == ')' && --depth == 0) break;
      }
      std::vector<std::string> next;
      for (const std::string& h : heads)
        for (const std::string& id : {std::string("j_1-A"), std::string(""), std::string(64, 'x'),
                                      std::string(65, 'x'), std::string("a.b"), std::string("a/b")})
          next.push_back(h + id);
      heads.swap(next);
      i = end;
    } else if (c == '\\' && i + 1 < pattern.size()) {
      for (std::string& h : heads) h += pattern[++i];
    } else if (std::string_view(R"(^$.|?*+[]{})").find(c) != std::string_view::npos) {
      return {};
    } else {
      for (std::string& h : heads) h += c;
    }
  }
  std::vector<std::string> paths;
  for (const std::string& h : heads)
    for (const char* suffix : {"", "/", "x", "/events", "/cancel"}) paths.push_back(h + suffix);
  return paths;
}

// The service's own routes (every add_*_routes, in one order) in a RouteTable and in cpp-httplib's
// router: every sample path, with every method, must reach the same route or none in both.
TEST(RouteTableTest, ServiceRoutesMatchCppHttplibsRouter) {
  Router service;
  for (auto add : {add_consent_routes, add_account_routes, add_key_routes, add_job_routes,
                   add_rights_routes, add_openai_routes, add_a1111_routes, add_web_routes,
                   add_admin_routes, add_moderation_routes, add_showcase_routes})
    add(service);
  ASSERT_GT(service.routes().size(), 40u);
  Routes direct;
  LibraryRouter library;
  std::set<std::string> paths = {"/", "", "//", "/api", "/api/v1", "/api/v1/", "/v1/images"};
  for (std::size_t i = 0; i < service.routes().size(); ++i) {
    const Route& route = service.routes()[i];
    const std::string name = std::to_string(i) + " " + route.method + " " + route.pattern;
    direct.add(route.method, route.pattern, name);
    library.add(route.method, route.pattern, name);
    for (const std::string& path : sample_paths(route.pattern)) paths.insert(path);
  }
  ASSERT_GT(paths.size(), 200u);
  int routed = 0;
  for (const std::string& path : paths) {
    if (path.empty() || path.front() != '/') continue;  // not a target the parsers accept
    for (const char* method : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}) {
      const std::string found = direct.find(method, path);
      EXPECT_EQ(found, library.find(method, path)) << method << " " << path;
      routed += !found.empty();
    }
  }
  EXPECT_GT(routed, 100) << "the sample paths must reach routes, not only 404s";
}

}  // namespace
}  // namespace pixforge::service::http
