// `pixforge safety check "prompt"`: screens a prompt (P8) and prints the decision as JSON.
// The prompt is never logged; pass --stdin to keep it out of the process list as well.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "command.h"
#include "pixforge/safety/reviewer.h"
#include "pixforge/safety/screener.h"

namespace {

struct SafetyOptions {
  std::string prompt;
  bool from_stdin = false;
  std::string rules;
  std::string negative;
  std::string reviewer_url;
  std::string reviewer_model = "default";
  long reviewer_timeout_ms = 10000;
  bool fail_closed = false;
};

void run_check(const SafetyOptions& o) {
  using namespace pixforge::safety;
  std::string prompt = o.prompt;
  if (o.from_stdin) {
    prompt.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    while (!prompt.empty() && (prompt.back() == '\n' || prompt.back() == '\r')) prompt.pop_back();
  }
  std::string rules_path = o.rules;
  if (rules_path.empty()) {
    if (const char* env = std::getenv("PIXFORGE_SAFETY_RULES")) rules_path = env;
  }
  const Screener screener(rules_path.empty() ? default_rules() : load_rules(rules_path));
  Decision d;
  if (!o.reviewer_url.empty()) {
    ReviewerConfig cfg;
    cfg.endpoint = o.reviewer_url;
    cfg.model = o.reviewer_model;
    cfg.timeout_ms = o.reviewer_timeout_ms;
    cfg.fail_closed = o.fail_closed;
    // The key comes from the environment so it never shows in the process list.
    if (const char* key = std::getenv("PIXFORGE_REVIEWER_API_KEY")) cfg.api_key = key;
    d = screener.screen(prompt, LlmReviewer(cfg));
  } else {
    d = screener.screen(prompt);
  }
  if (d.action == Action::Rewrite) d.negative_prompt = reinforce_negative_prompt(o.negative, d);
  std::printf("%s\n", decision_json(d).c_str());
}

}  // namespace

PIXFORGE_COMMAND("safety", [](CLI::App& app) {
  auto* safety = app.add_subcommand("safety", "Prompt safety screening (P8)");
  safety->require_subcommand(1);
  auto opts = std::make_shared<SafetyOptions>();
  auto* check = safety->add_subcommand(
      "check", "Screen a prompt; prints {category, action, rewritten_prompt, ...} as JSON");
  auto* prompt = check->add_option("prompt", opts->prompt, "The prompt (or use --stdin)");
  check->add_flag("--stdin", opts->from_stdin, "Read the prompt from standard input")
      ->excludes(prompt);
  check
      ->add_option("--rules", opts->rules,
                   "Operator rules file extending the defaults (env PIXFORGE_SAFETY_RULES)")
      ->check(CLI::ExistingFile);
  check->add_option("--negative", opts->negative,
                    "The user's negative prompt, to reinforce when the prompt is rewritten");
  auto* reviewer = check->add_option(
      "--reviewer", opts->reviewer_url,
      "OpenAI-compatible endpoint for a second opinion, e.g. http://127.0.0.1:8080/v1 "
      "(API key from env PIXFORGE_REVIEWER_API_KEY)");
  // The reviewer's settings mean nothing without --reviewer: refuse them rather than ignore them.
  check->add_option("--reviewer-model", opts->reviewer_model, "Model name sent to the reviewer")
      ->needs(reviewer);
  check->add_option("--reviewer-timeout-ms", opts->reviewer_timeout_ms, "Reviewer timeout")
      ->check(CLI::Range(1L, 600000L))
      ->needs(reviewer);
  check->add_flag("--fail-closed", opts->fail_closed, "Block when the reviewer cannot answer")
      ->needs(reviewer);
  check->callback([opts] {
    if (opts->prompt.empty() && !opts->from_stdin) {
      throw CLI::ValidationError("safety check", "give a prompt or --stdin");
    }
    run_check(*opts);
  });
});
