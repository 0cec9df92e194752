// Configuration: the TOML policy is the one source; bad keys and values are rejected by name.
#include "pixforge/service/config.h"

#include <gtest/gtest.h>

namespace pixforge::service {
namespace {

TEST(Config, DefaultsKeepThePromisedPeriods) {
  const ServiceConfig c = parse_config("", "empty");
  EXPECT_EQ(c.server.listen, "127.0.0.1");
  EXPECT_DOUBLE_EQ(c.retention.upload_hours, 24);
  EXPECT_DOUBLE_EQ(c.retention.prompt_hours, 24);
  EXPECT_DOUBLE_EQ(c.retention.output_days, 7);
  EXPECT_DOUBLE_EQ(c.retention.request_log_days, 30);
  EXPECT_TRUE(c.processors.empty());
}

TEST(Config, ReadsEverySection) {
  const ServiceConfig c = parse_config(R"(
[server]
listen = "0.0.0.0"
port = 9000
[notice]
version = 3
last_updated = "2026-12-01"
operator = "Example Org"
[retention]
upload_hours = 12
output_days = 3
[limits]
max_width = 1024
ip_rate_per_s = 2.5
[[processors]]
name = "Remote GPU Co"
data_sent = "prompt, size"
purpose = "image generation"
use_limit = "no retention, no training"
location = "EU"
)",
                                       "test.toml");
  EXPECT_EQ(c.server.listen, "0.0.0.0");
  EXPECT_EQ(c.server.port, 9000);
  EXPECT_EQ(c.notice.version, 3);
  EXPECT_EQ(c.notice.operator_name, "Example Org");
  EXPECT_DOUBLE_EQ(c.retention.upload_hours, 12);
  EXPECT_DOUBLE_EQ(c.retention.output_days, 3);
  EXPECT_EQ(c.limits.max_width, 1024);
  EXPECT_DOUBLE_EQ(c.limits.ip_rate_per_s, 2.5);
  ASSERT_EQ(c.processors.size(), 1u);
  EXPECT_EQ(c.processors[0].name, "Remote GPU Co");
}

void expect_error(const std::string& toml, const std::string& fragment) {
  try {
    parse_config(toml, "bad.toml");
    FAIL() << "accepted: " << toml;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Config, RejectsUnknownKeysWrongTypesAndLongerRetention) {
  expect_error("[retention]\nupload_hour = 3\n", "retention.upload_hour");
  expect_error("[server]\nport = \"80\"\n", "server.port");
  expect_error("[retention]\nupload_hours = 48\n", "P3");
  expect_error("[notice]\nversion = 0\n", "notice.version");
  expect_error("[[processors]]\nname = \"x\"\n", "processors");
  expect_error("[server\n", "line 1");
  expect_error("[server]\ntls_cert = \"a.pem\"\n", "tls_key");
}

TEST(Config, P12_policy_json_is_rendered_from_the_same_configuration) {
  ServiceConfig c = parse_config("[notice]\nversion = 4\n[retention]\nupload_hours = 6\n", "t");
  c.processors.push_back({"P", "prompt", "generation", "none", "EU"});
  const auto j = policy_json(c);
  EXPECT_EQ(j["notice"]["version"], 4);
  EXPECT_DOUBLE_EQ(j["retention"]["uploads_hours_after_job_end"].get<double>(), 6);
  EXPECT_EQ(j["processors"][0]["name"], "P");
  EXPECT_EQ(j["training_use_default"], false);
}

}  // namespace
}  // namespace pixforge::service
