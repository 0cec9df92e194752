// P14 limits under concurrency: one account's daily image quota is never overspent when many
// threads submit through all three APIs and several credentials at once, and the token buckets
// answer 429 + Retry-After per API key and per (truncated) client address, independently of
// each other and of headers a client could forge.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "api_harness.h"

namespace pixforge::service {
namespace {

using testing::Client;
using testing::TestService;

// The error code of any of the three error shapes (native, OpenAI, A1111).
std::string error_code(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("error")) return "";
  const auto& e = j["error"];
  if (e.is_string()) return e;
  if (e.is_object() && e.contains("code") && e["code"].is_string()) return e["code"];
  return "";
}

std::string make_key(Client& web, const nlohmann::json& scopes) {
  auto r = web.post("/api/v1/keys", {{"agree", true}, {"notice_version", 1}, {"scopes", scopes}});
  EXPECT_EQ(r.status, 201) << r.body;
  return r.json().value("key", "");
}

// One submission through one of the three APIs; returns the number of images accepted (0 when
// refused) and records anything that is neither an acceptance nor a quota refusal.
struct Outcome {
  int accepted_images = 0;
  bool quota_refused = false;
  std::string unexpected;  // status and body of any other answer
};

Outcome submit(Client& c, int api, int n) {
  testing::Response r;
  if (api == 0) {
    r = c.post("/api/v1/generate",
               {{"prompt", "quota"}, {"width", 64}, {"height", 64}, {"steps", 1}, {"n", n}});
  } else if (api == 1) {
    r = c.post("/v1/images/generations", {{"prompt", "quota"}, {"size", "64x64"}, {"n", n}});
  } else {
    r = c.post(
        "/sdapi/v1/txt2img",
        {{"prompt", "quota"}, {"width", 64}, {"height", 64}, {"steps", 1}, {"batch_size", n}});
  }
  Outcome o;
  const auto j = r.json();
  if (r.status == 202 && api == 0) {
    o.accepted_images = n;
  } else if (r.status == 200 && api == 1 && j.contains("data")) {
    o.accepted_images = static_cast<int>(j["data"].size());
  } else if (r.status == 200 && api == 2 && j.contains("images")) {
    o.accepted_images = static_cast<int>(j["images"].size());
  } else if (r.status == 429 && error_code(j) == "quota_exceeded") {
    o.quota_refused = true;
  } else {
    o.unexpected = std::to_string(r.status) + " " + r.body;
  }
  return o;
}

TEST(LimitsConcurrency, P14_one_accounts_quota_is_never_overspent_across_apis_and_keys) {
  constexpr int kQuota = 12;
  auto cfg = testing::test_config();
  cfg.limits.daily_quota_images = kQuota;
  TestService ts(true, cfg);
  Client web = ts.client();
  const std::string owner = web.sign_up("quota-race");
  const nlohmann::json scopes = {"generate", "read"};
  const std::string key1 = make_key(web, scopes), key2 = make_key(web, scopes);

  // 12 threads, 4 submissions each, batches of 1-3 images: ~8x the quota, through the cookie
  // session (native API) and two API keys (native, OpenAI, A1111), all at once.
  std::atomic<int> accepted{0}, refused{0};
  std::mutex mu;
  std::vector<std::string> unexpected;
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t)
    threads.emplace_back([&, t] {
      Client c = ts.client();
      if (t % 3 == 0) {
        c.cookie = web.cookie;
        c.csrf = web.csrf;
      } else {
        c.bearer = t % 3 == 1 ? key1 : key2;
      }
      for (int i = 0; i < 4; ++i) {
        const int api = t % 3 == 0 ? 0 : (t + i) % 3;
        const Outcome o = submit(c, api, 1 + (t + i) % 3);
        accepted += o.accepted_images;
        refused += o.quota_refused ? 1 : 0;
        if (!o.unexpected.empty()) {
          std::lock_guard lock(mu);
          unexpected.push_back(o.unexpected);
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_TRUE(unexpected.empty()) << unexpected.size()
                                  << " unexpected answers, first: " << unexpected.front();
  EXPECT_LE(accepted.load(), kQuota);
  EXPECT_GT(refused.load(), 0);

  // Refused submissions consumed nothing: single images are accepted until exactly the quota.
  int topped_up = 0;
  for (int i = 0; i < kQuota + 1; ++i) {
    const Outcome o = submit(web, 0, 1);
    ASSERT_TRUE(o.unexpected.empty()) << o.unexpected;
    if (o.quota_refused) break;
    topped_up += o.accepted_images;
  }
  EXPECT_EQ(accepted.load() + topped_up, kQuota);

  // What the worker produced agrees: exactly kQuota output images for this account.
  for (int i = 0; i < 1000; ++i) {
    bool busy = false;
    for (const auto& job : ts.store().jobs(owner))
      busy = busy || job.state == "queued" || job.state == "running";
    if (!busy) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  int outputs = 0;
  for (const auto& b : ts.store().blobs(owner)) outputs += b.kind == "output" ? 1 : 0;
  EXPECT_EQ(outputs, kQuota);
}

TEST(LimitsConcurrency, P14_key_buckets_are_per_key_and_exact_under_concurrency) {
  auto cfg = testing::test_config();
  cfg.limits.key_burst = 10;
  cfg.limits.key_rate_per_s = 1;
  TestService ts(false, cfg);  // the clock stands still: no refill during the burst
  Client web = ts.client();
  web.sign_up("buckets");
  const std::string busy_key = make_key(web, {"read"}), quiet_key = make_key(web, {"read"});

  std::atomic<int> ok{0}, limited{0}, other{0};
  std::mutex mu;
  std::vector<std::string> retry_after;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      Client c = ts.client();
      c.bearer = busy_key;
      for (int i = 0; i < 4; ++i) {
        auto r = c.get("/api/v1/jobs");
        if (r.status == 200) {
          ++ok;
        } else if (r.status == 429 && error_code(r.json()) == "rate_limited") {
          ++limited;
          std::lock_guard lock(mu);
          retry_after.push_back(r.header("Retry-After"));
        } else {
          ++other;
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 10);  // exactly the burst: no token handed out twice
  EXPECT_EQ(limited.load(), 22);
  EXPECT_EQ(other.load(), 0);
  for (const auto& v : retry_after) EXPECT_EQ(v, "1");  // one token at 1/s

  // Another key of the same account has its own bucket; the cookie session has none.
  Client quiet = ts.client();
  quiet.bearer = quiet_key;
  EXPECT_EQ(quiet.get("/api/v1/jobs").status, 200);
  EXPECT_EQ(web.get("/api/v1/jobs").status, 200);
  Client busy = ts.client();
  busy.bearer = busy_key;
  EXPECT_EQ(busy.get("/api/v1/jobs").status, 429);
  // One second refills one token, and only one.
  ts.clock.advance_ms(1000);
  EXPECT_EQ(busy.get("/api/v1/jobs").status, 200);
  auto again = busy.get("/api/v1/jobs");
  EXPECT_EQ(again.status, 429);
  EXPECT_EQ(again.header("Retry-After"), "1");
}

struct RawAnswer {
  int status = 0;
  std::string retry_after;
};

// One GET on a fresh connection whose source address is `source` (any 127.x.y.z is local on
// Linux), so that the server sees a different client address than the harness's 127.0.0.1.
// nullopt when the source address cannot be bound.
std::optional<RawAnswer> get_from(const std::string& source, int port, const std::string& path,
                                  const std::string& extra_headers = "") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in src{};
  src.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &src.sin_addr);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers +
                              "Connection: close\r\n\r\n";
  (void)!::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    answer.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  RawAnswer out;
  if (answer.rfind("HTTP/1.1 ", 0) == 0) out.status = std::atoi(answer.c_str() + 9);
  const auto h = answer.find("\r\nRetry-After: ");
  if (h != std::string::npos)
    out.retry_after = answer.substr(h + 15, answer.find("\r\n", h + 15) - (h + 15));
  return out;
}

TEST(LimitsConcurrency, P14_ip_buckets_are_per_truncated_address_and_ignore_forwarded_headers) {
  auto cfg = testing::test_config();
  cfg.limits.ip_burst = 3;
  cfg.limits.ip_rate_per_s = 0.5;
  TestService ts(false, cfg);
  // 127.0.0.1 and 127.0.0.9 share the truncated address 127.0.0.0; 127.0.1.1 is another client.
  for (int i = 0; i < 3; ++i) {
    auto r = get_from(i == 1 ? "127.0.0.9" : "127.0.0.1", ts.port, "/api/v1/privacy");
    ASSERT_TRUE(r) << "cannot connect from a 127.0.0.x address";
    EXPECT_EQ(r->status, 200);
  }
  auto limited = get_from("127.0.0.1", ts.port, "/api/v1/privacy");
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->retry_after, "2");  // one token at 0.5/s
  // A forged forwarding header does not buy a fresh bucket.
  auto forged = get_from("127.0.0.1", ts.port, "/api/v1/privacy",
                         "X-Forwarded-For: 198.51.100.7\r\nX-Real-IP: 198.51.100.7\r\n");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 429);

  // Another /24 has its own bucket, exhausted on its own.
  auto other = get_from("127.0.1.1", ts.port, "/api/v1/privacy");
  if (!other) GTEST_SKIP() << "cannot bind the loopback address 127.0.1.1 on this machine";
  EXPECT_EQ(other->status, 200);
  EXPECT_EQ(get_from("127.0.1.1", ts.port, "/api/v1/privacy")->status, 200);
  EXPECT_EQ(get_from("127.0.1.1", ts.port, "/api/v1/privacy")->status, 200);
  EXPECT_EQ(get_from("127.0.1.1", ts.port, "/api/v1/privacy")->status, 429);

  // Two seconds give the first client exactly one token back; the limit applies to every
  // route, the web UI included.
  ts.clock.advance_ms(2000);
  EXPECT_EQ(get_from("127.0.0.1", ts.port, "/")->status, 200);
  EXPECT_EQ(get_from("127.0.0.1", ts.port, "/")->status, 429);
}

TEST(LimitsConcurrency, P14_ip_bucket_is_exact_under_concurrency) {
  auto cfg = testing::test_config();
  cfg.limits.ip_burst = 20;
  cfg.limits.ip_rate_per_s = 1;
  TestService ts(false, cfg);
  std::atomic<int> ok{0}, limited{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 10; ++t)
    threads.emplace_back([&] {
      Client c = ts.client();
      for (int i = 0; i < 5; ++i) {
        const int status = c.get("/api/v1/privacy").status;
        (status == 200 ? ok : status == 429 ? limited : other)++;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(limited.load(), 30);
  EXPECT_EQ(other.load(), 0);
}

}  // namespace
}  // namespace pixforge::service
