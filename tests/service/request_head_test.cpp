// parse_request_head (service/src/request_head.h): the event loop's own parser of a request's
// head must fill an httplib::Request exactly as cpp-httplib 0.11 does for every head it accepts,
// and refuse (return false, leaving the request to the library) everything outside its subset.
// The accepted heads are also sent to a real httplib::Server on loopback whose handler echoes
// what the library parsed, and the two descriptions must be equal.
#include "../../service/src/request_head.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../../service/src/request_framing.h"
#include "testing/paths.h"

namespace pixforge::service::http {
namespace {

// Everything the parser fills, one field a line, in the multimaps' own order.
std::string describe(const httplib::Request& req) {
  std::string d = "method " + req.method + "\ntarget " + req.target + "\npath " + req.path +
                  "\nversion " + req.version + "\n";
  for (const auto& [key, value] : req.params) d += "param " + key + "=" + value + "\n";
  for (const auto& [name, value] : req.headers) {
    // cpp-httplib adds the connection's addresses as headers; the direct path keeps them in
    // remote_addr/local_addr only (the service reads nothing else).
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
        name == "LOCAL_PORT")
      continue;
    d += "header " + name + ": " + value + "\n";
  }
  return d;
}

// A cpp-httplib server whose every route answers with describe() of what the library parsed.
class LibraryEcho {
 public:
  LibraryEcho() {
    const auto echo = [](const httplib::Request& req, httplib::Response& res) {
      // Not a compressible type: the answer stays readable whatever Accept-Encoding says.
      res.set_content(describe(req), "application/octet-stream");
    };
    // Any path: a decoded path may hold CR or LF, which ECMAScript's '.' does not match.
    const std::string any = R"([\s\S]*)";
    server_.Get(any, echo);
    server_.Post(any, echo);
    server_.Put(any, echo);
    server_.Delete(any, echo);
    server_.Patch(any, echo);
    server_.Options(any, echo);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // Connections made before the accept loop runs are dropped by it: wait until it does.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LibraryEcho() {
    server_.stop();
    thread_.join();
  }

  // The answer to `bytes` sent on a fresh connection: its head, and its body when it has a
  // Content-Length. (The write side stays open: cpp-httplib 0.11 writes nothing to a client that
  // has shut its side, it takes it for gone.)
  std::string exchange(const std::string& bytes) const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string answer;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(bytes.size())) {
      std::size_t want = std::string::npos;
      char chunk[8192];
      ssize_t n;
      while (answer.size() < want && (n = ::recv(fd, chunk, sizeof chunk, 0)) > 0) {
        answer.append(chunk, static_cast<std::size_t>(n));
        const std::size_t end = answer.find("\r\n\r\n");
        const std::size_t length = answer.find("\r\nContent-Length: ");
        if (end != std::string::npos && length != std::string::npos && length < end)
          want = end + 4 + std::stoul(answer.substr(length + 18));
      }
    }
    ::close(fd);
    return answer;
  }

  // The library's description of the request in `head`, or its status line if it refused it.
  std::string parsed(const std::string& head) const {
    const std::string answer = exchange(head);
    const std::size_t body = answer.find("\r\n\r\n");
    if (answer.rfind("HTTP/1.1 200 ", 0) != 0 || body == std::string::npos)
      return answer.substr(0, answer.find("\r\n"));
    return answer.substr(body + 4);
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

class RequestHeadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { library_ = new LibraryEcho(); }
  static void TearDownTestSuite() {
    delete library_;
    library_ = nullptr;
  }
  static LibraryEcho* library_;
};
LibraryEcho* RequestHeadTest::library_ = nullptr;

httplib::Request parse_ok(const std::string& head) {
  httplib::Request req;
  EXPECT_TRUE(parse_request_head(head, req)) << head;
  return req;
}

// A GET whose one header line is "X-Long: " and `value_bytes` bytes.
std::string long_header_head(std::size_t value_bytes) {
  std::string head = "GET /h HTTP/1.1\r\nX-Long: ";
  head.append(value_bytes, 'y');
  head.append("\r\n\r\n");
  return head;
}

bool refused(const std::string& head) {
  httplib::Request req;
  return !parse_request_head(head, req);
}

TEST_F(RequestHeadTest, FillsRequestLineFields) {
  const httplib::Request req = parse_ok("GET /v1/jobs/abc HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/v1/jobs/abc");
  EXPECT_EQ(req.path, "/v1/jobs/abc");
  EXPECT_EQ(req.version, "HTTP/1.1");
  EXPECT_TRUE(req.params.empty());
  EXPECT_TRUE(req.body.empty());
  EXPECT_EQ(parse_ok("DELETE /x HTTP/1.0\r\n\r\n").version, "HTTP/1.0");
  for (const char* method :
       {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})
    EXPECT_EQ(parse_ok(std::string(method) + " / HTTP/1.1\r\n\r\n").method, method);
}

TEST_F(RequestHeadTest, PathIsPercentDecodedWithoutPlusAsSpace) {
  const httplib::Request req = parse_ok("GET /a%20b+c/%2Fd%u20AC HTTP/1.1\r\n\r\n");
  EXPECT_EQ(req.target, "/a%20b+c/%2Fd%u20AC");
  EXPECT_EQ(req.path, "/a b+c//d\xE2\x82\xAC");
}

TEST_F(RequestHeadTest, QueryGivesParamsWithPlusAsSpaceAndRepeatedKeysKept) {
  const httplib::Request req =
      parse_ok("GET /s?q=a+b%21&tag=x&tag=y&flag&empty=&tag=x HTTP/1.1\r\n\r\n");
  EXPECT_EQ(req.path, "/s");
  EXPECT_EQ(req.get_param_value("q"), "a b!");
  // cpp-httplib keeps repeated keys in order, drops an exact repeat of a key=value pair.
  ASSERT_EQ(req.get_param_value_count("tag"), 2u);
  EXPECT_EQ(req.get_param_value("tag", 0), "x");
  EXPECT_EQ(req.get_param_value("tag", 1), "y");
  EXPECT_TRUE(req.has_param("flag"));
  EXPECT_EQ(req.get_param_value("flag"), "");
  EXPECT_TRUE(req.has_param("empty"));
  // An empty query is no query.
  const httplib::Request bare = parse_ok("GET /s? HTTP/1.1\r\n\r\n");
  EXPECT_EQ(bare.path, "/s");
  EXPECT_EQ(bare.target, "/s?");
  EXPECT_TRUE(bare.params.empty());
}

// cpp-httplib cuts the target at '#' before reading path and query (clients should not send a
// fragment; some do).
TEST_F(RequestHeadTest, FragmentIsDroppedFromTheTarget) {
  const httplib::Request req = parse_ok("GET /s?a=1#frag&b=2 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(req.target, "/s?a=1");
  EXPECT_EQ(req.path, "/s");
  ASSERT_EQ(req.params.size(), 1u);
  EXPECT_EQ(req.get_param_value("a"), "1");
  EXPECT_EQ(parse_ok("GET /p#x HTTP/1.1\r\n\r\n").path, "/p");
  // A second '?' after the '#' is no longer part of the target.
  EXPECT_EQ(parse_ok("GET /p#a?b?c HTTP/1.1\r\n\r\n").target, "/p");
}

TEST_F(RequestHeadTest, HeaderValuesAreTrimmedAndPercentDecoded) {
  const httplib::Request req = parse_ok(
      "GET / HTTP/1.1\r\nX-Pad: \t spaced out \t \r\nX-Enc: a%20b+c%zz%4\r\nX-Tab:\tv\r\n"
      "X-Utf8: caf\xC3\xA9\r\n\r\n");
  EXPECT_EQ(req.get_header_value("X-Pad"), "spaced out");
  // '+' stays, a bad escape is kept as is.
  EXPECT_EQ(req.get_header_value("X-Enc"), "a b+c%zz%4");
  EXPECT_EQ(req.get_header_value("X-Tab"), "v");
  EXPECT_EQ(req.get_header_value("X-Utf8"), "caf\xC3\xA9");
}

TEST_F(RequestHeadTest, HeaderNamesKeptAsSentAndLookedUpCaseInsensitively) {
  const httplib::Request req =
      parse_ok("GET / HTTP/1.1\r\ncOnTeNt-TyPe: application/json\r\nX-A: 1\r\n\r\n");
  EXPECT_EQ(req.get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(req.get_header_value("content-type"), "application/json");
  EXPECT_TRUE(req.has_header("x-a"));
  ASSERT_EQ(req.headers.count("CONTENT-TYPE"), 1u);
  EXPECT_EQ(req.headers.find("content-type")->first, "cOnTeNt-TyPe");
}

TEST_F(RequestHeadTest, RepeatedHeadersAreKeptInOrder) {
  const httplib::Request req =
      parse_ok("GET / HTTP/1.1\r\nCookie: a=1\r\nX-Other: o\r\ncookie: b=2\r\nCOOKIE: c=3\r\n\r\n");
  ASSERT_EQ(req.get_header_value_count("Cookie"), 3u);
  EXPECT_EQ(req.get_header_value("Cookie", 0), "a=1");
  EXPECT_EQ(req.get_header_value("Cookie", 1), "b=2");
  EXPECT_EQ(req.get_header_value("Cookie", 2), "c=3");
}

// cpp-httplib's limit (8192) is on the request line with its CRLF, whatever the method.
TEST_F(RequestHeadTest, RequestLineAtTheLengthLimitIsAcceptedOneByteMoreIsNot) {
  // "GET " + target + " HTTP/1.1\r\n" is 8192 bytes.
  const std::string get_target = "/" + std::string(8192 - 15 - 1, 'a');
  EXPECT_EQ(parse_ok("GET " + get_target + " HTTP/1.1\r\n\r\n").target, get_target);
  EXPECT_TRUE(refused("GET " + get_target + "a HTTP/1.1\r\n\r\n"));
  const std::string delete_target = "/" + std::string(8192 - 18 - 1, 'a');
  EXPECT_EQ(parse_ok("DELETE " + delete_target + " HTTP/1.1\r\n\r\n").target, delete_target);
  EXPECT_TRUE(refused("DELETE " + delete_target + "a HTTP/1.1\r\n\r\n"));
}

TEST_F(RequestHeadTest, RefusesHeadsOutsideTheSubset) {
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"bare LF line ends", "GET / HTTP/1.1\nHost: t\n\n"},
      {"bare LF after the request line", "GET / HTTP/1.1\nHost: t\r\n\r\n"},
      {"bare LF inside a header", "GET / HTTP/1.1\r\nHost: t\nX: y\r\n\r\n"},
      {"bare CR inside a header", "GET / HTTP/1.1\r\nHost: t\rX: y\r\n\r\n"},
      {"obsolete line folding", "GET / HTTP/1.1\r\nX-Long: a\r\n  b\r\n\r\n"},
      {"folding with a tab", "GET / HTTP/1.1\r\nX-Long: a\r\n\tb\r\n\r\n"},
      {"header without colon", "GET / HTTP/1.1\r\nNoColon\r\n\r\n"},
      {"empty header name", "GET / HTTP/1.1\r\n: v\r\n\r\n"},
      {"empty header value", "GET / HTTP/1.1\r\nX-Empty:\r\n\r\n"},
      {"blank header value", "GET / HTTP/1.1\r\nX-Empty:  \t \r\n\r\n"},
      {"space before colon", "GET / HTTP/1.1\r\nHost : t\r\n\r\n"},
      {"space in header name", "GET / HTTP/1.1\r\nX Y: t\r\n\r\n"},
      {"NUL in header value", std::string("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 24)},
      {"DEL in header value",
       "GET / HTTP/1.1\r\nX: a\x7f"
       "b\r\n\r\n"},
      {"escape byte in header value", "GET / HTTP/1.1\r\nX: a\x1b[0m\r\n\r\n"},
      {"control byte in name", "GET / HTTP/1.1\r\nX\x01: a\r\n\r\n"},
      {"control byte in target", "GET /a\x01 HTTP/1.1\r\n\r\n"},
      {"non-ASCII target", "GET /caf\xC3\xA9 HTTP/1.1\r\n\r\n"},
      {"tab in target", "GET /a\tb HTTP/1.1\r\n\r\n"},
      {"absolute-form target", "GET http://example.com/ HTTP/1.1\r\n\r\n"},
      {"asterisk target", "OPTIONS * HTTP/1.1\r\n\r\n"},
      {"empty target (two spaces)", "GET  HTTP/1.1\r\n\r\n"},
      {"two spaces before the target", "GET  / HTTP/1.1\r\n\r\n"},
      {"trailing space after version", "GET / HTTP/1.1 \r\n\r\n"},
      {"two '?' in the target", "GET /a?b=1?c=2 HTTP/1.1\r\n\r\n"},
      {"'?' twice in a row in the target",
       "GET /a?"
       "?b=1 HTTP/1.1\r\n\r\n"},
      {"HTTP/2.0", "GET / HTTP/2.0\r\n\r\n"},
      {"HTTP/1.2", "GET / HTTP/1.2\r\n\r\n"},
      {"HTTP/0.9 style", "GET /\r\n\r\n"},
      {"lower-case version", "GET / http/1.1\r\n\r\n"},
      {"unknown method", "BREW / HTTP/1.1\r\n\r\n"},
      {"lower-case method", "get / HTTP/1.1\r\n\r\n"},
      {"PRI (the HTTP/2 preface)", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"},
      {"target over 8192 bytes", "GET /" + std::string(8192, 'a') + " HTTP/1.1\r\n\r\n"},
      {"request line over 8192 bytes", "GET /" + std::string(8177, 'a') + " HTTP/1.1\r\n\r\n"},
      {"missing final blank line", "GET / HTTP/1.1\r\nHost: t\r\n"},
      {"missing line end", "GET / HTTP/1.1"},
      {"bytes after the blank line", "GET / HTTP/1.1\r\n\r\nX"},
      {"blank line only", "\r\n\r\n"},
      {"empty", ""},
      {"blank line before the request line", "\r\nGET / HTTP/1.1\r\n\r\n"},
  };
  for (const auto& [why, head] : cases) EXPECT_TRUE(refused(head)) << why;
}

TEST_F(RequestHeadTest, AcceptedHeadsAreParsedAsCppHttplibParsesThem) {
  const std::vector<std::string> heads = {
      "GET /v1/jobs/j_123?wait=1&fields=a+b HTTP/1.1\r\nHost: localhost:8080\r\n\r\n",
      "GET /a%20b+c/%2Fd%u20AC?x=%26%3D&x=2&y HTTP/1.1\r\nHost: t\r\n\r\n",
      "GET /s?tag=x&tag=y&tag=x&empty= HTTP/1.1\r\n\r\n", "GET /s? HTTP/1.1\r\n\r\n",
      "POST /v1/jobs HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: 0\r\nAuthorization: Bearer pf_abc%2Bdef\r\n\r\n",
      // (PUT and PATCH carry a Content-Length: without one the library waits for the body until
      // the connection closes.)
      "PUT /x HTTP/1.0\r\ncOnNeCtIoN: Keep-Alive\r\nX-Pad: \t spaced \t \r\nContent-Length: "
      "0\r\n\r\n",
      "DELETE /k/1 HTTP/1.1\r\nCookie: a=1\r\nX-Other: o\r\ncookie: b=2\r\nCOOKIE: c=3\r\n\r\n",
      "PATCH /p HTTP/1.1\r\nX-Enc: a%20b+c%zz%4%u00e9\r\nX-Utf8: caf\xC3\xA9\r\nContent-Length: "
      "0\r\n\r\n",
      "OPTIONS /o HTTP/1.1\r\nAccept: */*\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
      "Accept-Encoding: gzip, deflate, br\r\n\r\n",
      "GET /" + std::string(8192 - 18, 'z') + " HTTP/1.1\r\n\r\n",
      "GET /h HTTP/1.1\r\nLocation: /a%20b\r\nReferer: http://x/%41\r\n\r\n",
      long_header_head(8182), "GET /s#frag HTTP/1.1\r\n\r\n",
      "GET /s?a=1&b=2#frag HTTP/1.1\r\n\r\n", "GET /s?a=1#frag&b=2 HTTP/1.1\r\n\r\n",
      "GET /s?#frag HTTP/1.1\r\n\r\n",
      "GET /s#a?b?c HTTP/1.1\r\n\r\n",  // the header line with its CRLF is 8192 bytes
  };
  for (const std::string& head : heads) {
    httplib::Request req;
    ASSERT_TRUE(parse_request_head(head, req)) << head;
    EXPECT_EQ(describe(req).substr(0, 2000), library_->parsed(head).substr(0, 2000))
        << head.substr(0, 200);
  }
}

// Header values are percent-decoded as cpp-httplib 0.11 decodes them, so an escape can put a
// control byte (even CR, LF or NUL) into a parsed value although the raw bytes had none; both
// parsers agree on it. Handlers must not copy such values into answer headers unchecked
// (httplib::Response::set_header drops values with CR or LF).
TEST_F(RequestHeadTest, EscapedControlBytesInHeaderValuesAreDecodedLikeTheLibrary) {
  const std::string head = "GET / HTTP/1.1\r\nX-Esc: a%0D%0Ab%00c\r\n\r\n";
  const httplib::Request req = parse_ok(head);
  EXPECT_EQ(req.headers.find("X-Esc")->second, std::string("a\r\nb\0c", 6));
  EXPECT_EQ(describe(req), library_->parsed(head));
}

// Heads the parser refuses are left to cpp-httplib; for these the library answers 400 itself.
TEST_F(RequestHeadTest, RefusedHeadsThatTheLibraryAlsoRejects) {
  for (const std::string head : {"GET /a?b=1?c=2 HTTP/1.1\r\n\r\n", "GET / HTTP/2.0\r\n\r\n",
                                 "BREW / HTTP/1.1\r\n\r\n", "GET / HTTP/1.2\r\n\r\n"}) {
    EXPECT_TRUE(refused(head)) << head;
    EXPECT_EQ(library_->parsed(head), "HTTP/1.1 400 Bad Request") << head;
  }
  // A request line one byte over the limit.
  const std::string long_line = "GET /" + std::string(8177, 'a') + " HTTP/1.1\r\n\r\n";
  EXPECT_TRUE(refused(long_line));
  EXPECT_EQ(library_->parsed(long_line), "HTTP/1.1 414 URI Too Long");
  // A header line over the library's limit (8192 bytes with CRLF).
  for (std::size_t value_bytes : {8183u, 20000u}) {
    EXPECT_TRUE(refused(long_header_head(value_bytes))) << value_bytes;
    EXPECT_EQ(library_->parsed(long_header_head(value_bytes)), "HTTP/1.1 400 Bad Request");
  }
}

// The fuzz target's seed requests (fuzz/corpus/http_request_head), replayed here so that the
// normal suite checks them too: each complete one that parse_request_head accepts is parsed the
// same by cpp-httplib (those with a Range, Expect or body format the library treats specially
// aside, as the event loop leaves them to it).
TEST_F(RequestHeadTest, FuzzSeedRequestsParseAsCppHttplibParsesThem) {
  const std::filesystem::path seeds = std::filesystem::path(pixforge::testing::golden_dir()) /
                                      "../../fuzz/corpus/http_request_head";
  ASSERT_TRUE(std::filesystem::is_directory(seeds)) << seeds;
  int accepted = 0;
  for (const auto& entry : std::filesystem::directory_iterator(seeds)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const RequestFrame frame = frame_request(bytes, 1 << 20, 64 << 10);
    if (frame.kind != RequestFrame::Kind::kComplete) continue;
    httplib::Request req;
    if (!parse_request_head(std::string_view(bytes).substr(0, frame.head_bytes), req)) continue;
    ++accepted;
    const std::string type = req.get_header_value("Content-Type");
    if (req.method == "HEAD" || req.has_header("Range") || req.has_header("Expect") ||
        type.rfind("application/x-www-form-urlencoded", 0) == 0 ||
        type.rfind("multipart/form-data", 0) == 0)
      continue;
    EXPECT_EQ(describe(req), library_->parsed(bytes.substr(0, frame.total_bytes)))
        << entry.path().filename();
  }
  EXPECT_GE(accepted, 10);
}

}  // namespace
}  // namespace pixforge::service::http
