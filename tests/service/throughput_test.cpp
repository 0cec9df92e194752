// What the service's speed work must not change: reads from the store's read-only connections
// see every committed write at once (a revoked key, a deleted session or owner is refused on the
// very next request), readers and the writer run side by side without errors, a keep-alive
// connection serves many requests, and the pre-rendered privacy answers match the live config.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "api_harness.h"
#include "pixforge/service/store.h"
#include "pixforge/service/vault.h"
#include "test_helpers.h"

namespace pixforge::service {
namespace {

// "s<n>", built by appending (GCC 12 warns falsely about "s" + std::to_string(n) at -O3).
std::string session_hash(int n) {
  std::string s = "s";
  s += std::to_string(n);
  return s;
}

struct ReadersFixture : ::testing::Test {
  testing::TempDir dir;
  std::unique_ptr<Store> store = open_sqlite_store(dir.path() + "/db.sqlite", testing::test_key(9));
  Vault vault{*store, random_key()};

  void make_owner(const std::string& id) {
    store->create_owner({id, "session", vault.new_wrapped_key(id), 1000, 1000, false, false});
  }
};

TEST_F(ReadersFixture, EveryCommittedWriteIsSeenByTheNextRead) {
  make_owner("o1");
  store->create_session({"hash-1", "o1", "csrf", 1000, 1000});
  ASSERT_TRUE(store->find_session("hash-1").has_value());
  store->delete_session("hash-1");
  EXPECT_FALSE(store->find_session("hash-1").has_value());

  store->create_api_key({"k1", "o1", "key-hash", "generate read", 1, 1000, 0});
  ASSERT_EQ(store->find_api_key("key-hash")->revoked_ms, 0);
  ASSERT_TRUE(store->revoke_api_key("o1", "k1", 2000));
  EXPECT_EQ(store->find_api_key("key-hash")->revoked_ms, 2000);

  store->set_restricted("o1", true);
  EXPECT_TRUE(store->find_owner("o1")->restricted);
  store->delete_owner("o1");
  EXPECT_FALSE(store->find_owner("o1").has_value());
  EXPECT_FALSE(store->find_api_key("key-hash").has_value());  // cascaded with the owner
}

TEST_F(ReadersFixture, ReadsFromOtherThreadsSeeAWriteAsSoonAsItReturns) {
  make_owner("o1");
  std::atomic<int> written{-1};  // the last session number whose insert has returned
  std::atomic<int> stale{0}, failures{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t)
    readers.emplace_back([&] {
      while (!done.load()) {
        const int n = written.load();
        try {
          // Published only after create_session returned: must be visible now.
          if (n >= 0 && !store->find_session(session_hash(n))) ++stale;
          if (!store->find_owner("o1")) ++stale;
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  for (int i = 0; i < 300; ++i) {
    store->create_session({session_hash(i), "o1", "csrf", 1000, 1000});
    written.store(i);
    store->add_request_log({1000 + i, "GET", "/api/v1/privacy", 200, 10, "127.0.0.0"});
  }
  done = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(stale.load(), 0);
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store->request_logs().size(), 300u);
}

TEST_F(ReadersFixture, DeletingAnOwnerStillEmptiesTheWriteAheadLog) {
  make_owner("o1");
  (void)store->find_owner("o1");  // a read-only connection exists and is idle in the pool
  store->delete_owner("o1");
  // The checkpoint after the delete moved everything into the main file (P5: the destroyed
  // wrapped key must not linger in the log) although readers are open.
  const auto wal = std::filesystem::path(dir.path()) / "db.sqlite-wal";
  ASSERT_TRUE(std::filesystem::exists(wal));
  EXPECT_EQ(std::filesystem::file_size(wal), 0u);
}

// --- over HTTP ---------------------------------------------------------------------------------

// Sends `n` GETs one after another on one TCP connection; returns how many full answers came
// back before the server closed it.
int answers_on_one_connection(int port, const std::string& path, int n) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return 0;
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  int answered = 0;
  std::string buffer;
  for (int i = 0; i < n; ++i) {
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size()))
      break;
    // One answer: headers, then Content-Length bytes of body.
    std::size_t end = std::string::npos;
    std::size_t length = 0;
    while (true) {
      if (end == std::string::npos && (end = buffer.find("\r\n\r\n")) != std::string::npos) {
        const auto at = buffer.find("Content-Length: ");
        length = at < end ? std::stoul(buffer.substr(at + 16)) : 0;
      }
      if (end != std::string::npos && buffer.size() >= end + 4 + length) break;
      char chunk[4096];
      const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
      if (got <= 0) {
        ::close(fd);
        return answered;
      }
      buffer.append(chunk, static_cast<std::size_t>(got));
    }
    if (buffer.compare(0, 12, "HTTP/1.1 200") == 0) ++answered;
    buffer.erase(0, end + 4 + length);
  }
  ::close(fd);
  return answered;
}

TEST(Throughput, OneKeepAliveConnectionServesManyRequests) {
  testing::TestService svc(false);
  // cpp-httplib's default closes a connection after 5 requests: every client then pays a new
  // handshake (and the tiny listen backlog) every fifth request.
  EXPECT_EQ(answers_on_one_connection(svc.port, "/api/v1/privacy", 40), 40);
}

TEST(Throughput, PreRenderedPrivacyAnswersMatchTheConfiguration) {
  ServiceConfig config = testing::test_config();
  config.notice.version = 7;
  config.notice.operator_name = "Example Operator <&>";
  config.retention.prompt_hours = 12;
  testing::TestService svc(false, config);
  auto c = svc.client();
  const auto r = c.get("/api/v1/privacy");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  EXPECT_EQ(r.json(), policy_json(config));
  EXPECT_EQ(r.json()["notice"]["version"], 7);
  const auto page = c.get("/privacy");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Version 7"), std::string::npos);
  EXPECT_NE(page.body.find("Example Operator &lt;&amp;&gt;"), std::string::npos);
  EXPECT_NE(page.body.find("at most 12 hours after the result"), std::string::npos);
}

TEST(Throughput, RevokedKeyAndEndedSessionAreRefusedOnTheNextRequest) {
  testing::TestService svc(true);
  auto c = svc.client();
  c.sign_up("reader");
  auto made =
      c.post("/api/v1/keys", {{"agree", true}, {"notice_version", 1}, {"scopes", {"read"}}});
  ASSERT_EQ(made.status, 201) << made.body;
  testing::Client bot(svc.port);
  bot.bearer = made.json()["key"].get<std::string>();
  ASSERT_EQ(bot.get("/api/v1/jobs").status, 200);
  ASSERT_EQ(c.del("/api/v1/keys/" + made.json()["id"].get<std::string>()).status, 200);
  EXPECT_EQ(bot.get("/api/v1/jobs").status, 401);

  ASSERT_EQ(c.get("/api/v1/jobs").status, 200);
  const std::string cookie = c.cookie;
  ASSERT_EQ(c.post("/api/v1/logout", nlohmann::json::object()).status, 200);
  testing::Client stale(svc.port);
  stale.cookie = cookie;  // the old cookie, kept by an attacker or a second tab
  EXPECT_EQ(stale.get("/api/v1/jobs").status, 401);
}

}  // namespace
}  // namespace pixforge::service
