// LLM second opinion over an OpenAI-compatible chat endpoint (reviewer.h), through libcurl.
#include "pixforge/safety/reviewer.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>

namespace pixforge::safety {
namespace {

using nlohmann::json;

// The policy the reviewer applies; the answer format is fixed so it can be parsed.
constexpr const char* kSystemPrompt =
    "You review prompts for an image generator before generation. Policy: sexual content "
    "involving minors is always blocked. Nudity, undressing, sexualised content and intimate "
    "contact are rewritten toward a fully clothed, appropriate result when possible, else "
    "blocked. Graphic gore and self-harm are blocked. Everything else is allowed. Answer with "
    "one JSON object only: {\"action\": \"allow\"|\"rewrite\"|\"block\", \"category\": "
    "\"minors\"|\"nudity\"|\"undressing\"|\"sexual\"|\"intimate\"|\"gore\"|\"self_harm\"|"
    "\"violence\"|\"none\", \"rewrite\": \"<safe prompt, only for rewrite>\"}.";

std::size_t collect(char* data, std::size_t size, std::size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  constexpr std::size_t kMaxBody = 1 << 20;  // a verdict is tiny; refuse runaway answers
  if (body->size() + size * n > kMaxBody) return 0;
  body->append(data, size * n);
  return size * n;
}

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

ReviewVerdict failure(std::string why) {
  ReviewVerdict v;
  v.error = std::move(why);
  return v;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

LlmReviewer::LlmReviewer(ReviewerConfig config) : config_(std::move(config)) {
  if (config_.endpoint.empty()) throw std::invalid_argument("LLM reviewer: endpoint is empty");
  while (!config_.endpoint.empty() && config_.endpoint.back() == '/') config_.endpoint.pop_back();
}

ReviewVerdict parse_review_response(std::string_view body) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return failure("reviewer answer is not JSON");
  const auto choices = doc.find("choices");
  if (choices == doc.end() || !choices->is_array() || choices->empty()) {
    return failure("reviewer answer has no choices");
  }
  const json& choice = (*choices)[0];
  if (!choice.contains("message") || !choice["message"].contains("content") ||
      !choice["message"]["content"].is_string()) {
    return failure("reviewer answer has no message content");
  }
  // Models wrap JSON in prose or code fences: take the outermost {...}.
  const std::string content = choice["message"]["content"].get<std::string>();
  const auto open = content.find('{');
  const auto close = content.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) {
    return failure("reviewer verdict is not a JSON object");
  }
  json verdict = json::parse(content.substr(open, close - open + 1), nullptr, false);
  if (verdict.is_discarded() || !verdict.is_object() || !verdict.contains("action") ||
      !verdict["action"].is_string()) {
    return failure("reviewer verdict has no action");
  }
  ReviewVerdict v;
  try {
    v.action = parse_action(lower(verdict["action"].get<std::string>()));
  } catch (const std::invalid_argument&) {
    return failure("reviewer verdict has an unknown action");
  }
  if (verdict.contains("category") && verdict["category"].is_string()) {
    v.category = lower(verdict["category"].get<std::string>());
    if (v.category == "none") v.category.clear();
  }
  if (verdict.contains("rewrite") && verdict["rewrite"].is_string()) {
    v.rewrite = verdict["rewrite"].get<std::string>();
  }
  v.ok = true;
  return v;
}

ReviewVerdict LlmReviewer::review(std::string_view prompt) const {
  init_curl_once();
  json request = {{"model", config_.model},
                  {"temperature", 0},
                  {"messages",
                   json::array({{{"role", "system"}, {"content", kSystemPrompt}},
                                {{"role", "user"}, {"content", std::string(prompt)}}})}};
  const std::string payload = request.dump(-1, ' ', false, json::error_handler_t::replace);
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return failure("reviewer: curl_easy_init failed");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, curl_slist_free_all);
  headers.reset(curl_slist_append(headers.release(), "Content-Type: application/json"));
  if (!config_.api_key.empty()) {
    const std::string auth = "Authorization: Bearer " + config_.api_key;
    headers.reset(curl_slist_append(headers.release(), auth.c_str()));
  }
  const std::string url = config_.endpoint + "/chat/completions";
  std::string body;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, config_.timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) return failure(std::string("reviewer request failed: ") + curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) return failure("reviewer answered HTTP " + std::to_string(status));
  return parse_review_response(body);
}

}  // namespace pixforge::safety
