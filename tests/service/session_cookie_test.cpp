// The session cookie is found among a browser's other cookies, whatever their order and spacing
// (identity.cpp parses the Cookie header on every request), and only under its exact name.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api_harness.h"

namespace pixforge::service {
namespace {

TEST(SessionCookie, FoundAmongOtherCookiesOnlyUnderItsExactName) {
  testing::TestService svc(false);
  auto c = svc.client();
  c.sign_up("cookie-user");
  ASSERT_EQ(c.get("/api/v1/jobs").status, 200);
  const std::string pair = c.cookie;  // "pf_session=<token>"
  ASSERT_EQ(pair.rfind("pf_session=", 0), 0u);
  const std::string token = pair.substr(pair.find('=') + 1);

  testing::Client other(svc.port);
  for (const std::string& header : std::vector<std::string>{
           "theme=dark; " + pair, "a=1;" + pair + "; b=2", "  " + pair + ";;", "x=; " + pair}) {
    other.cookie = header;
    EXPECT_EQ(other.get("/api/v1/jobs").status, 200) << header;
  }
  for (const std::string& header :
       std::vector<std::string>{"xpf_session=" + token, "pf_session_old=" + token,
                                "pf_sessio=" + token, std::string("theme=dark")}) {
    other.cookie = header;
    EXPECT_EQ(other.get("/api/v1/jobs").status, 401) << header;
  }
}

}  // namespace
}  // namespace pixforge::service
