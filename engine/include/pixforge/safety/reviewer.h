// Optional second opinion on prompts from an LLM the operator runs (a local llama.cpp server,
// say) through an OpenAI-compatible chat endpoint. The reviewer can only make a decision
// stricter; when it is unreachable or answers nonsense the rules decision stands, or, with
// fail_closed, the prompt is blocked. Nothing it receives or returns is logged.
#pragma once

#include <string>
#include <string_view>

#include "pixforge/safety/rules.h"

namespace pixforge::safety {

struct ReviewerConfig {
  std::string endpoint;  // base URL, e.g. "http://127.0.0.1:8080/v1"; POSTs {endpoint}/chat/completions
  std::string model = "default";
  std::string api_key;  // sent as a Bearer token when not empty
  long timeout_ms = 10000;
  bool fail_closed = false;  // block when the reviewer cannot answer
};

struct ReviewVerdict {
  bool ok = false;          // false: no usable answer (error says why)
  Action action = Action::Allow;
  std::string category;     // as the reviewer named it (lower case)
  std::string rewrite;      // the reviewer's safe rewrite, when it offers one
  std::string error;        // fixed wording plus HTTP status / curl error; never content
};

class LlmReviewer {
 public:
  explicit LlmReviewer(ReviewerConfig config);
  ReviewVerdict review(std::string_view prompt) const;
  const ReviewerConfig& config() const { return config_; }

 private:
  ReviewerConfig config_;
};

// Parses the chat-completion response body into a verdict (exposed for tests).
ReviewVerdict parse_review_response(std::string_view body);

}  // namespace pixforge::safety
