#include "answer_writer.h"

#include <charconv>
#include <memory>

namespace pixforge::service::http {
namespace {

using httplib::detail::EncodingType;

std::unique_ptr<httplib::detail::compressor> compressor_for(EncodingType type,
                                                            std::string& content_encoding) {
  if (type == EncodingType::Gzip) {
    content_encoding = "gzip";
    return std::make_unique<httplib::detail::gzip_compressor>();
  }
  if (type == EncodingType::Brotli) {
    content_encoding = "br";
    return std::make_unique<httplib::detail::brotli_compressor>();
  }
  return nullptr;
}

void append_number(std::string& out, std::size_t n, int base = 10) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n, base).ptr;
  out.append(digits, end);
}

std::string format_head(const httplib::Response& res) {
  std::string head;
  head.reserve(1024);
  head += "HTTP/1.1 ";
  append_number(head, static_cast<std::size_t>(res.status));
  head += ' ';
  head += status_text(res.status);
  head += "\r\n";
  for (const auto& [name, value] : res.headers) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  head += "\r\n";
  return head;
}

bool write_all(httplib::Stream& out, const char* data, std::size_t size) {
  return out.write(data, size) == static_cast<ssize_t>(size);
}

bool write_chunk(httplib::Stream& out, const char* data, std::size_t size) {
  if (size == 0) return true;
  std::string frame;
  frame.reserve(size + 16);
  append_number(frame, size, 16);
  frame += "\r\n";
  frame.append(data, size);
  frame += "\r\n";
  return write_all(out, frame.data(), frame.size());
}

// Runs the response's content provider until it reports done or, for a provider of known
// length, has written that many bytes (or fails, or the server stops): chunked with the chunks
// compressed when `compressor` is set, else as raw bytes.
bool write_provided_content(httplib::Stream& out, httplib::Response& res,
                            httplib::detail::compressor* compressor,
                            const AnswerSettings& settings) {
  const bool chunked = res.is_chunked_content_provider_;
  bool ok = true;
  bool done = false;
  std::size_t offset = 0;
  auto send = [&](const char* data, std::size_t size) {
    if (!chunked) return write_all(out, data, size);
    if (!compressor) return write_chunk(out, data, size);
    return compressor->compress(
        data, size, false, [&](const char* c, std::size_t n) { return write_chunk(out, c, n); });
  };
  httplib::DataSink sink;
  sink.write = [&](const char* data, std::size_t size) {
    if (ok && !send(data, size)) ok = false;
    offset += size;
    return ok;
  };
  sink.is_writable = [&] { return ok && out.is_writable(); };
  sink.done = [&] {
    done = true;
    if (!chunked || !ok) return;
    if (compressor)
      ok = compressor->compress(
          nullptr, 0, true, [&](const char* c, std::size_t n) { return write_chunk(out, c, n); });
    if (ok) ok = write_all(out, "0\r\n\r\n", 5);
  };
  // A provider of known length (set_content_provider(size, ...)) is asked for the rest of it
  // until it has all been written, as cpp-httplib does; it need not call done().
  const std::size_t length = chunked ? 0 : res.content_length_;
  while (ok && !done && !(settings.stopping && *settings.stopping)) {
    if (length > 0 && offset >= length) return true;
    const std::size_t left = length > 0 ? length - offset : 0;
    if (!out.is_writable() || !res.content_provider_(offset, left, sink)) ok = false;
  }
  return ok && done;
}

}  // namespace

bool write_answer(httplib::Stream& out, const httplib::Request& req, httplib::Response& res,
                  const AnswerSettings& settings) {
  const bool provided = static_cast<bool>(res.content_provider_);
  if (settings.close)
    res.set_header("Connection", "close");
  else
    res.set_header("Keep-Alive", settings.keep_alive);
  if (!res.has_header("Content-Type") && (!res.body.empty() || res.content_length_ > 0 || provided))
    res.set_header("Content-Type", "text/plain");
  if (!res.has_header("Content-Length") && res.body.empty() && res.content_length_ == 0 &&
      !provided)
    res.set_header("Content-Length", "0");
  if (!res.has_header("Accept-Ranges") && req.method == "HEAD")
    res.set_header("Accept-Ranges", "bytes");

  std::string content_encoding;
  auto compressor = compressor_for(httplib::detail::encoding_type(req, res), content_encoding);
  if (provided) {
    if (res.is_chunked_content_provider_) {
      res.set_header("Transfer-Encoding", "chunked");
      if (compressor) res.set_header("Content-Encoding", content_encoding);
    } else if (res.content_length_ > 0) {
      compressor.reset();
      res.set_header("Content-Length", std::to_string(res.content_length_));
    } else {
      compressor.reset();  // written until the connection closes (settings.close)
    }
  } else if (!res.body.empty()) {
    if (compressor) {
      std::string packed;
      if (compressor->compress(res.body.data(), res.body.size(), true,
                               [&](const char* data, std::size_t size) {
                                 packed.append(data, size);
                                 return true;
                               })) {
        res.body.swap(packed);
        res.set_header("Content-Encoding", content_encoding);
      }
    }
    res.set_header("Content-Length", std::to_string(res.body.size()));
  }

  if (req.method == "HEAD") {
    const std::string head = format_head(res);
    return write_all(out, head.data(), head.size());
  }
  if (!provided) {
    // Head and a small body in one write, so they leave in one send.
    std::string answer = format_head(res);
    if (res.body.size() <= 64 * 1024) {
      answer += res.body;
      return write_all(out, answer.data(), answer.size());
    }
    return write_all(out, answer.data(), answer.size()) &&
           write_all(out, res.body.data(), res.body.size());
  }
  const std::string head = format_head(res);
  const bool ok = write_all(out, head.data(), head.size()) &&
                  write_provided_content(out, res, compressor.get(), settings);
  res.content_provider_success_ = ok;
  return ok;
}

const char* status_text(int status) {
  // cpp-httplib 0.11's table word for word ("Switching Protocol", "Multiple Choice",
  // "Unprocessable Entity"), and its answer for any other code, 500's phrase.
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocol";
    case 102:
      return "Processing";
    case 103:
      return "Early Hints";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 207:
      return "Multi-Status";
    case 208:
      return "Already Reported";
    case 226:
      return "IM Used";
    case 300:
      return "Multiple Choice";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 305:
      return "Use Proxy";
    case 306:
      return "unused";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 418:
      return "I'm a teapot";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Entity";
    case 423:
      return "Locked";
    case 424:
      return "Failed Dependency";
    case 425:
      return "Too Early";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 451:
      return "Unavailable For Legal Reasons";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    case 506:
      return "Variant Also Negotiates";
    case 507:
      return "Insufficient Storage";
    case 508:
      return "Loop Detected";
    case 510:
      return "Not Extended";
    case 511:
      return "Network Authentication Required";
    default:
      return "Internal Server Error";
  }
}

}  // namespace pixforge::service::http
