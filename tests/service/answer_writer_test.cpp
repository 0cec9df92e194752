// write_answer (service/src/answer_writer.h) into memory: the exact bytes of the status line,
// headers and body cpp-httplib 0.11 would write for the same response (defaults, keep-alive,
// HEAD, compression, content providers). direct_answer_parity_test.cpp compares whole answers
// with the library's own over sockets; these pin the format itself.
#include "../../service/src/answer_writer.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "memory_stream.h"

namespace pixforge::service::http {
namespace {

using testing::MemoryStream;

const AnswerSettings kKeepAlive{false, "timeout=5, max=1000", nullptr};
const AnswerSettings kClose{true, "", nullptr};

httplib::Request request(const std::string& method, const std::string& accept_encoding = "") {
  httplib::Request req;
  req.method = method;
  req.path = "/";
  req.version = "HTTP/1.1";
  if (!accept_encoding.empty()) req.set_header("Accept-Encoding", accept_encoding);
  return req;
}

// Everything `res` is written as, for a request with `method`.
std::string written(httplib::Response res, const httplib::Request& req,
                    const AnswerSettings& settings = kKeepAlive) {
  MemoryStream out;
  EXPECT_TRUE(write_answer(out, req, res, settings));
  return out.written;
}

std::string head_of(const std::string& answer) {
  return answer.substr(0, answer.find("\r\n\r\n") + 4);
}
std::string body_of(const std::string& answer) {
  return answer.substr(answer.find("\r\n\r\n") + 4);
}

std::string gunzip(const std::string& packed) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  z.avail_in = static_cast<uInt>(packed.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    char buf[4096];
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END) << "not a whole gzip stream";
  inflateEnd(&z);
  return out;
}

// The data of a chunked body, checking its framing: hex sizes, CRLFs, "0\r\n\r\n" at the end
// and nothing after it.
std::string unchunk(const std::string& body) {
  std::string data;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t eol = body.find("\r\n", pos);
    if (eol == std::string::npos) {
      ADD_FAILURE() << "chunk size line without CRLF";
      return data;
    }
    const std::size_t n = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
    if (n == 0) {
      EXPECT_EQ(body.substr(pos), "0\r\n\r\n");
      return data;
    }
    data += body.substr(eol + 2, n);
    EXPECT_EQ(body.substr(eol + 2 + n, 2), "\r\n");
    pos = eol + 2 + n + 2;
  }
}

TEST(AnswerWriterTest, SimpleJsonAnswerByteExact) {
  httplib::Response res;
  res.status = 200;
  res.set_content(R"({"ok":true})", "application/json");
  MemoryStream out;
  ASSERT_TRUE(write_answer(out, request("GET"), res, kKeepAlive));
  EXPECT_EQ(out.written,
            "HTTP/1.1 200 OK\r\n"
            "Content-Length: 11\r\n"
            "Content-Type: application/json\r\n"
            "Keep-Alive: timeout=5, max=1000\r\n"
            "\r\n"
            R"({"ok":true})");
  EXPECT_EQ(out.writes, 1) << "a small answer is one write";
}

TEST(AnswerWriterTest, HandlerHeadersAreWrittenInTheLibrarysOrder) {
  httplib::Response res;
  res.status = 201;
  res.set_header("X-Request-Id", "r1");
  res.set_header("cache-control", "no-store");
  res.set_header("Set-Cookie", "a=1");
  res.set_header("Set-Cookie", "b=2");
  res.set_content("{}", "application/json");
  // Headers sort case-insensitively by name (httplib::Headers); repeats keep their order.
  EXPECT_EQ(written(res, request("POST")),
            "HTTP/1.1 201 Created\r\n"
            "cache-control: no-store\r\n"
            "Content-Length: 2\r\n"
            "Content-Type: application/json\r\n"
            "Keep-Alive: timeout=5, max=1000\r\n"
            "Set-Cookie: a=1\r\n"
            "Set-Cookie: b=2\r\n"
            "X-Request-Id: r1\r\n"
            "\r\n{}");
}

TEST(AnswerWriterTest, BodyWithoutTypeIsTextPlain) {
  httplib::Response res;
  res.status = 200;
  res.body = "hi";
  EXPECT_EQ(written(res, request("GET")),
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n"
            "Keep-Alive: timeout=5, max=1000\r\n\r\nhi");
}

TEST(AnswerWriterTest, EmptyBodyHasContentLengthZeroAndNoType) {
  httplib::Response res;
  res.status = 204;
  EXPECT_EQ(written(res, request("DELETE")),
            "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n"
            "Keep-Alive: timeout=5, max=1000\r\n\r\n");
  httplib::Response forbidden;
  forbidden.status = 403;
  EXPECT_EQ(written(forbidden, request("GET")),
            "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
            "Keep-Alive: timeout=5, max=1000\r\n\r\n");
}

TEST(AnswerWriterTest, ConnectionCloseReplacesKeepAlive) {
  httplib::Response res;
  res.status = 200;
  res.set_content("x", "text/plain");
  EXPECT_EQ(written(res, request("GET"), kClose),
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n"
            "Content-Type: text/plain\r\n\r\nx");
}

TEST(AnswerWriterTest, HeadHasTheBodysLengthButNoBody) {
  httplib::Response res;
  res.status = 200;
  res.set_content("hello", "text/plain");
  EXPECT_EQ(written(res, request("HEAD")),
            "HTTP/1.1 200 OK\r\nAccept-Ranges: bytes\r\nContent-Length: 5\r\n"
            "Content-Type: text/plain\r\nKeep-Alive: timeout=5, max=1000\r\n\r\n");
  // A handler's own Accept-Ranges stays.
  httplib::Response own;
  own.status = 200;
  own.set_header("Accept-Ranges", "none");
  own.set_content("abc", "application/octet-stream");
  const std::string head = written(own, request("HEAD"));
  EXPECT_NE(head.find("\r\nAccept-Ranges: none\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("bytes"), std::string::npos) << head;
  EXPECT_TRUE(body_of(head).empty());
}

TEST(AnswerWriterTest, CompressibleBodyIsGzippedWhenAccepted) {
  std::string json = "[";
  for (int i = 0; i < 200; ++i) json += R"({"id":)" + std::to_string(i) + R"(,"state":"done"},)";
  json.back() = ']';
  httplib::Response res;
  res.status = 200;
  res.set_content(json, "application/json");
  const std::string answer = written(res, request("GET", "gzip, deflate"));
  const std::string head = head_of(answer);
  const std::string body = body_of(answer);
  EXPECT_NE(head.find("\r\nContent-Encoding: gzip\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n"),
            std::string::npos)
      << head;
  EXPECT_LT(body.size(), json.size());
  EXPECT_EQ(gunzip(body), json);
}

TEST(AnswerWriterTest, BrotliIsPreferredWhenAccepted) {
  httplib::Response res;
  res.status = 200;
  res.set_content(std::string(3000, 'a'), "text/plain");
  const std::string answer = written(res, request("GET", "gzip, deflate, br"));
  EXPECT_NE(head_of(answer).find("\r\nContent-Encoding: br\r\n"), std::string::npos);
  httplib::detail::brotli_decompressor unbrotli;
  std::string plain;
  const std::string body = body_of(answer);
  ASSERT_TRUE(unbrotli.decompress(body.data(), body.size(), [&](const char* d, std::size_t n) {
    plain.append(d, n);
    return true;
  }));
  EXPECT_EQ(plain, std::string(3000, 'a'));
}

TEST(AnswerWriterTest, NotCompressedForImagesOrWhenNotAccepted) {
  httplib::Response png;
  png.status = 200;
  png.set_content(std::string(2000, '\x89'), "image/png");
  std::string answer = written(png, request("GET", "gzip, br"));
  EXPECT_EQ(head_of(answer).find("Content-Encoding"), std::string::npos);
  EXPECT_EQ(body_of(answer), std::string(2000, '\x89'));

  httplib::Response text;
  text.status = 200;
  text.set_content(std::string(2000, 't'), "text/plain");
  answer = written(text, request("GET", "identity"));
  EXPECT_EQ(head_of(answer).find("Content-Encoding"), std::string::npos);
  EXPECT_EQ(body_of(answer), std::string(2000, 't'));
}

TEST(AnswerWriterTest, ChunkedProviderIsFramedAndEndsWithTheLastChunk) {
  httplib::Response res;
  res.status = 200;
  int turns = 0;
  res.set_chunked_content_provider("text/event-stream",
                                   [&turns](std::size_t, httplib::DataSink& sink) {
                                     if (turns++ == 0) {
                                       sink.write("data: 1\n\n", 9);
                                       return true;
                                     }
                                     sink.write("data: 22\n\n", 10);
                                     sink.done();
                                     return true;
                                   });
  const std::string answer = written(res, request("GET", "gzip"));
  EXPECT_EQ(answer,
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            "Keep-Alive: timeout=5, max=1000\r\nTransfer-Encoding: chunked\r\n\r\n"
            "9\r\ndata: 1\n\n\r\n"
            "a\r\ndata: 22\n\n\r\n"
            "0\r\n\r\n");
  EXPECT_EQ(turns, 2);
}

TEST(AnswerWriterTest, ChunkedProviderOfACompressibleTypeIsGzippedChunk) {
  httplib::Response res;
  res.status = 200;
  res.set_chunked_content_provider("application/json", [](std::size_t, httplib::DataSink& sink) {
    sink.write("[1,", 3);
    sink.write("2]", 2);
    sink.done();
    return true;
  });
  const std::string answer = written(res, request("GET", "gzip"));
  const std::string head = head_of(answer);
  EXPECT_NE(head.find("\r\nContent-Encoding: gzip\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nTransfer-Encoding: chunked\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(gunzip(unchunk(body_of(answer))), "[1,2]");
}

// cpp-httplib asks a provider of known length for (offset, bytes left) until all is written; the
// provider need not call done().
TEST(AnswerWriterTest, SizedProviderIsAskedForTheRestUntilItsLengthIsWritten) {
  const std::string data = "abcdefghij";
  std::vector<std::pair<std::size_t, std::size_t>> asked;
  httplib::Response res;
  res.status = 200;
  res.set_content_provider(data.size(), "application/octet-stream",
                           [&](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                             asked.emplace_back(offset, length);
                             return sink.write(data.data() + offset,
                                               std::min<std::size_t>(length, 4));
                           });
  EXPECT_EQ(written(res, request("GET", "gzip")),
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Type: application/octet-stream\r\n"
            "Keep-Alive: timeout=5, max=1000\r\n\r\nabcdefghij");
  const std::vector<std::pair<std::size_t, std::size_t>> expected = {{0, 10}, {4, 6}, {8, 2}};
  EXPECT_EQ(asked, expected);
}

TEST(AnswerWriterTest, ClientGoneIsReported) {
  httplib::Response res;
  res.status = 200;
  res.set_content("hello", "text/plain");
  MemoryStream out;
  out.accept_bytes = 10;
  EXPECT_FALSE(write_answer(out, request("GET"), res, kKeepAlive));

  httplib::Response streamed;
  streamed.status = 200;
  streamed.set_chunked_content_provider(
      "text/event-stream",
      [](std::size_t, httplib::DataSink& sink) { return sink.write("data: x\n\n", 9); });
  MemoryStream closing;
  closing.accept_bytes = 200;  // the head and a few events, then the client is gone
  EXPECT_FALSE(write_answer(closing, request("GET"), streamed, kKeepAlive));
  EXPECT_FALSE(streamed.content_provider_success_);
}

TEST(AnswerWriterTest, StoppingServerEndsAStreamedAnswer) {
  std::atomic<bool> stopping{false};
  httplib::Response res;
  res.status = 200;
  int turns = 0;
  res.set_chunked_content_provider("text/event-stream", [&](std::size_t, httplib::DataSink& sink) {
    if (++turns == 3) stopping = true;
    return sink.write("data: x\n\n", 9);
  });
  MemoryStream out;
  EXPECT_FALSE(write_answer(out, request("GET"), res, {false, "timeout=5, max=1000", &stopping}));
  EXPECT_EQ(turns, 3);
}

TEST(AnswerWriterTest, StatusTextForCommonCodes) {
  const std::vector<std::pair<int, std::string>> codes = {
      {200, "OK"},
      {201, "Created"},
      {202, "Accepted"},
      {204, "No Content"},
      {206, "Partial Content"},
      {301, "Moved Permanently"},
      {302, "Found"},
      {303, "See Other"},
      {304, "Not Modified"},
      {307, "Temporary Redirect"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {409, "Conflict"},
      {410, "Gone"},
      {413, "Payload Too Large"},
      {414, "URI Too Long"},
      {415, "Unsupported Media Type"},
      {422, "Unprocessable Entity"},
      {429, "Too Many Requests"},
      {431, "Request Header Fields Too Large"},
      {500, "Internal Server Error"},
      {501, "Not Implemented"},
      {503, "Service Unavailable"},
      {507, "Insufficient Storage"},
      // cpp-httplib 0.11's own wording, kept for byte-identical answers.
      {101, "Switching Protocol"},
      {300, "Multiple Choice"},
      // No phrase of its own: the library writes 500's.
      {299, "Internal Server Error"},
      {999, "Internal Server Error"},
  };
  for (const auto& [code, text] : codes) {
    EXPECT_EQ(status_text(code), text) << code;
    httplib::Response res;
    res.status = code;
    EXPECT_EQ(written(res, request("GET"))
                  .rfind("HTTP/1.1 " + std::to_string(code) + " " + text + "\r\n", 0),
              0u)
        << code;
  }
}

}  // namespace
}  // namespace pixforge::service::http
