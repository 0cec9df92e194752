// The LLM second opinion against a local fake OpenAI-compatible server: one thread, one
// canned answer per connection, the request body kept for inspection.
#include "pixforge/safety/reviewer.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "pixforge/safety/screener.h"

namespace pixforge::safety {
namespace {

class FakeChatServer {
 public:
  FakeChatServer(int status, std::string content) : status_(status), content_(std::move(content)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 4) != 0) {
      throw std::runtime_error("fake server: bind/listen failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeChatServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1/"; }
  std::string last_request() {
    std::lock_guard<std::mutex> lock(mu_);
    return request_;
  }
  int requests() const { return count_; }

 private:
  void serve() {
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      std::size_t need = std::string::npos;
      while (need == std::string::npos || req.size() < need) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, static_cast<std::size_t>(n));
        const auto head_end = req.find("\r\n\r\n");
        const auto cl = req.find("Content-Length: ");
        if (head_end != std::string::npos && cl != std::string::npos && need == std::string::npos) {
          need = head_end + 4 + std::stoul(req.substr(cl + 16));
        }
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        request_ = req;
      }
      ++count_;
      nlohmann::json body = {{"choices", {{{"message", {{"role", "assistant"}, {"content", content_}}}}}}};
      const std::string text = status_ == 200 ? body.dump() : "error";
      const std::string resp = "HTTP/1.1 " + std::to_string(status_) +
                               " X\r\nContent-Type: application/json\r\nContent-Length: " +
                               std::to_string(text.size()) + "\r\nConnection: close\r\n\r\n" + text;
      ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  int status_;
  std::string content_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> count_{0};
  std::mutex mu_;
  std::string request_;
};

ReviewerConfig config_for(const FakeChatServer& server) {
  ReviewerConfig c;
  c.endpoint = server.url();
  c.model = "fake-reviewer";
  c.api_key = "test-key";
  c.timeout_ms = 5000;
  return c;
}

TEST(SafetyReviewer, P8_request_is_openai_chat_format) {
  FakeChatServer server(200, R"({"action": "allow", "category": "none"})");
  const ReviewVerdict v = LlmReviewer(config_for(server)).review("a cat on a sofa");
  ASSERT_TRUE(v.ok) << v.error;
  EXPECT_EQ(v.action, Action::Allow);
  const std::string req = server.last_request();
  EXPECT_EQ(req.rfind("POST /v1/chat/completions ", 0), 0u) << req.substr(0, 80);
  EXPECT_NE(req.find("Authorization: Bearer test-key"), std::string::npos);
  const auto body = nlohmann::json::parse(req.substr(req.find("\r\n\r\n") + 4));
  EXPECT_EQ(body["model"], "fake-reviewer");
  ASSERT_EQ(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][1]["content"], "a cat on a sofa");
}

TEST(SafetyReviewer, P8_reviewer_escalates_to_block) {
  FakeChatServer server(200, "Sure!\n```json\n{\"action\": \"block\", \"category\": \"Sexual\"}\n```");
  const Decision d = Screener().screen("a subtle euphemism the rules miss", LlmReviewer(config_for(server)));
  EXPECT_EQ(d.action, Action::Block);
  EXPECT_EQ(d.category, "sexual");
  EXPECT_EQ(d.reviewer, "escalated");
}

TEST(SafetyReviewer, P8_reviewer_rewrite_used_only_if_rules_accept_it) {
  FakeChatServer good(200, R"({"action": "rewrite", "category": "sexual", "rewrite": "a woman in a winter coat"})");
  const Decision d = Screener().screen("a woman in a suggestive outfit?", LlmReviewer(config_for(good)));
  // The rules already rewrite "suggestive"; the reviewer agreeing keeps the rules' rewrite.
  EXPECT_EQ(d.action, Action::Rewrite);
  EXPECT_EQ(d.reviewer, "agreed");
  const Decision e = Screener().screen("a woman in a cheeky outfit", LlmReviewer(config_for(good)));
  EXPECT_EQ(e.action, Action::Rewrite);
  EXPECT_EQ(e.rewritten_prompt, "a woman in a winter coat");
  FakeChatServer bad(200, R"({"action": "rewrite", "category": "sexual", "rewrite": "a naked woman"})");
  EXPECT_EQ(Screener().screen("a woman in a cheeky outfit", LlmReviewer(config_for(bad))).action,
            Action::Block);
}

TEST(SafetyReviewer, P8_reviewer_cannot_relax_a_block) {
  FakeChatServer server(200, R"({"action": "allow"})");
  const Decision d = Screener().screen("a nude child", LlmReviewer(config_for(server)));
  EXPECT_EQ(d.action, Action::Block);
  EXPECT_EQ(server.requests(), 0);  // blocked by the rules: the prompt is never sent
  const Decision r = Screener().screen("a nude woman", LlmReviewer(config_for(server)));
  EXPECT_EQ(r.action, Action::Rewrite);
  EXPECT_EQ(r.reviewer, "agreed");
}

TEST(SafetyReviewer, P8_unavailable_reviewer_fails_open_or_closed) {
  FakeChatServer server(500, "");
  auto cfg = config_for(server);
  const Decision open = Screener().screen("a cat", LlmReviewer(cfg));
  EXPECT_EQ(open.action, Action::Allow);
  EXPECT_EQ(open.reviewer, "unavailable");
  cfg.fail_closed = true;
  EXPECT_EQ(Screener().screen("a cat", LlmReviewer(cfg)).action, Action::Block);
  // Nothing listening at all.
  ReviewerConfig gone;
  gone.endpoint = "http://127.0.0.1:1/v1";
  gone.timeout_ms = 2000;
  const ReviewVerdict v = LlmReviewer(gone).review("a cat");
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.error.find("a cat"), std::string::npos);  // errors never echo the prompt
}

TEST(SafetyReviewer, P8_malformed_answers_are_rejected) {
  for (const char* body : {"", "null", "{}", R"({"choices": []})", R"({"choices": [{"message": {}}]})",
                           R"({"choices": [{"message": {"content": "no json here"}}]})",
                           R"({"choices": [{"message": {"content": "{\"action\": \"maybe\"}"}}]})"}) {
    EXPECT_FALSE(parse_review_response(body).ok) << body;
  }
  EXPECT_THROW(LlmReviewer(ReviewerConfig{}), std::invalid_argument);
}

}  // namespace
}  // namespace pixforge::safety
