// Writes an httplib::Response to a connection the way cpp-httplib 0.11 writes it (same status
// line, headers, Keep-Alive/Connection, default Content-Type and Content-Length, gzip or brotli
// through the library's own compressors when the client accepts them, HEAD without a body,
// chunked content providers such as Server-Sent Events), for the requests the event loop
// answers itself (event_loop_server.h). The head is formatted into one buffer, not a snprintf
// and a write per header, so that a small answer is one piece for the stream to send.
#pragma once

#include <httplib.h>

#include <atomic>
#include <string>

namespace pixforge::service::http {

struct AnswerSettings {
  bool close = false;      // "Connection: close" and the connection ends after it
  std::string keep_alive;  // the Keep-Alive header otherwise ("timeout=5, max=1000")
  const std::atomic<bool>* stopping = nullptr;  // ends a streamed answer at its next turn
};

// Sets the defaults above on `res` and writes it to `out`. False when the client is gone or a
// content provider failed.
bool write_answer(httplib::Stream& out, const httplib::Request& req, httplib::Response& res,
                  const AnswerSettings& settings);

// The reason phrase cpp-httplib 0.11 writes for an HTTP status ("Not Found"); "Internal Server
// Error" for codes it has no phrase for, as the library does.
const char* status_text(int status);

}  // namespace pixforge::service::http
