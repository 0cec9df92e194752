#include "notice.h"

#include <sstream>

namespace pixforge::service {
namespace {

std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

void processors_section(std::ostringstream& os, const ServiceConfig& c) {
  os << "<h2>Who processes your data</h2>\n";
  if (c.processors.empty()) {
    os << "<p>Everything runs on this server. No prompt, photo or image is sent to anyone "
          "else.</p>\n";
    return;
  }
  os << "<table><tr><th>Processor</th><th>Data sent</th><th>Purpose</th><th>Use limit</th>"
        "<th>Location</th></tr>\n";
  for (const auto& p : c.processors)
    os << "<tr><td>" << html_escape(p.name) << "</td><td>" << html_escape(p.data_sent)
       << "</td><td>" << html_escape(p.purpose) << "</td><td>" << html_escape(p.use_limit)
       << "</td><td>" << html_escape(p.location) << "</td></tr>\n";
  os << "</table>\n";
}

void retention_section(std::ostringstream& os, const ServiceConfig& c) {
  const Retention& r = c.retention;
  os << "<h2>How long it is kept</h2>\n<ul>\n"
     << "<li>Uploaded images: at most " << num(r.upload_hours)
     << " hours after the job completes or fails.</li>\n"
     << "<li>Prompt text: at most " << num(r.prompt_hours)
     << " hours after the result is returned.</li>\n"
     << "<li>Face data: never stored; processed in memory only for the job that needs it.</li>\n"
     << "<li>Generated images: " << num(r.output_days)
     << " days without an account; with an account until you delete them, or after "
     << num(r.account_inactivity_days) << " days of account inactivity.</li>\n"
     << (c.privacy.embed_parameters
             ? "<li>Each generated image carries its generation settings, your prompt included, "
               "inside the PNG file (as AUTOMATIC1111 and ComfyUI write them), so the prompt "
               "stays with the image for as long as the image is kept, and goes with any copy "
               "of it you download or share.</li>\n"
             : "")
     << "<li>Request logs (time, endpoint, status, duration, shortened IP address): "
     << num(r.request_log_days) << " days.</li>\n"
     << "<li>Aggregate usage counters (no user, no IP): " << num(r.analytics_days)
     << " days.</li>\n"
     << "<li>Deleted items and backup copies: purged within " << num(r.soft_deleted_days)
     << " days.</li>\n</ul>\n";
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string render_notice_html(const ServiceConfig& c) {
  std::ostringstream os;
  os << "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
     << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
     << "<title>Processing notice</title><link rel=\"stylesheet\" href=\"/app.css\"></head>"
     << "<body><main class=\"notice\">\n<h1>Processing notice</h1>\n"
     << "<p>Version " << c.notice.version << ", last updated " << html_escape(c.notice.last_updated)
     << ". Operated by " << html_escape(c.notice.operator_name) << ".</p>\n"
     << "<h2>What we process and why</h2>\n"
     << "<p>Your prompt and any image you upload are used only to produce the images you ask "
        "for. They are never used to train or improve models unless you separately opt in "
        "(off by default). You must be at least 13 years old.</p>\n";
  processors_section(os, c);
  retention_section(os, c);
  os << "<h2>Your rights</h2>\n<p>You can view and export everything held about you, delete "
        "single images, all content or your whole account, correct your e-mail address, "
        "withdraw consent, restrict processing and opt in or out of training use at any time. "
        "Do-Not-Track and Global Privacy Control are honoured. Stored data is encrypted with a "
        "key of your own that is destroyed when you delete your account.</p>\n";
  if (!c.notice.contact.empty()) os << "<p>Contact: " << html_escape(c.notice.contact) << "</p>\n";
  os << "<p><a href=\"/api/v1/privacy\">Machine-readable policy</a> · <a href=\"/\">Back</a></p>"
     << "\n</main></body></html>\n";
  return os.str();
}

}  // namespace pixforge::service
