// RouteTable (service/src/route_table.h): the event loop's route lookup must pick the same
// handler as cpp-httplib's router (first match in registration order, HEAD on the GET routes,
// whole-path regex match with groups in req.matches) while comparing literal starts first.
#include "../../service/src/route_table.h"

#include <gtest/gtest.h>

#include <string>

namespace pixforge::service::http {
namespace {

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

}  // namespace
}  // namespace pixforge::service::http
