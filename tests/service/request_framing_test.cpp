// Where the event loop thinks a request ends must be where cpp-httplib reads it to, or a body
// would be parsed as the next request (request_framing.h).
#include "../../service/src/request_framing.h"

#include <gtest/gtest.h>

#include <string>

namespace pixforge::service::http {
namespace {

using Kind = RequestFrame::Kind;
constexpr std::size_t kMaxBody = 1000;
constexpr std::size_t kMaxHead = 256;

RequestFrame frame(const std::string& bytes) { return frame_request(bytes, kMaxBody, kMaxHead); }

TEST(RequestFraming, GetWithoutBodyEndsAtTheBlankLine) {
  const std::string get = "GET /api/v1/jobs/x HTTP/1.1\r\nHost: a\r\n\r\n";
  const RequestFrame f = frame(get + "GET /next HTTP/1.1\r\n");
  EXPECT_EQ(f.kind, Kind::kComplete);
  EXPECT_EQ(f.head_bytes, get.size());
  EXPECT_EQ(f.total_bytes, get.size());
}

TEST(RequestFraming, HeadArrivingInPiecesIsIncomplete) {
  const std::string get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  for (std::size_t n = 0; n < get.size(); ++n) {
    const RequestFrame f = frame(get.substr(0, n));
    EXPECT_EQ(f.kind, Kind::kIncomplete) << n;
    EXPECT_EQ(f.total_bytes, 0u) << n;
  }
}

TEST(RequestFraming, ContentLengthBodyMustBeBufferedWhole) {
  const std::string head = "POST /e HTTP/1.1\r\ncontent-LENGTH:  5 \r\n\r\n";
  RequestFrame f = frame(head + "abc");
  EXPECT_EQ(f.kind, Kind::kIncomplete);
  EXPECT_EQ(f.total_bytes, head.size() + 5);  // known as soon as the head is in
  f = frame(head + "abcdeGET");
  EXPECT_EQ(f.kind, Kind::kComplete);
  EXPECT_EQ(f.total_bytes, head.size() + 5);
}

TEST(RequestFraming, FirstContentLengthWinsAsInTheLibrary) {
  const std::string head = "POST /e HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\n";
  EXPECT_EQ(frame(head + "ab").total_bytes, head.size() + 2);
}

TEST(RequestFraming, ContentLengthReadLikeStrtoull) {
  const std::string start = "POST /e HTTP/1.1\r\nContent-Length: ";
  auto total = [&](const std::string& value) {
    const std::string head = start + value + "\r\n\r\n";
    const RequestFrame f = frame(head + std::string(20, 'x'));
    return std::pair{f.kind, f.total_bytes - (f.total_bytes ? head.size() : 0)};
  };
  EXPECT_EQ(total("12abc"), (std::pair{Kind::kComplete, std::size_t{12}}));
  EXPECT_EQ(total("+7"), (std::pair{Kind::kComplete, std::size_t{7}}));
  EXPECT_EQ(total("abc"), (std::pair{Kind::kComplete, std::size_t{0}}));
  EXPECT_EQ(total("-0"), (std::pair{Kind::kComplete, std::size_t{0}}));
  EXPECT_EQ(frame(start + "-1\r\n\r\n").kind, Kind::kBodyTooLarge);
  EXPECT_EQ(frame(start + "99999999999999999999999\r\n\r\n").kind, Kind::kBodyTooLarge);
}

TEST(RequestFraming, BodyOverTheLimitIsKnownFromTheHead) {
  const std::string head = "POST /e HTTP/1.1\r\nContent-Length: 1001\r\n\r\n";
  const RequestFrame f = frame(head);
  EXPECT_EQ(f.kind, Kind::kBodyTooLarge);
  EXPECT_EQ(f.head_bytes, head.size());
  EXPECT_EQ(frame("POST /e HTTP/1.1\r\nContent-Length: 1000\r\n\r\n").kind, Kind::kIncomplete);
}

TEST(RequestFraming, ChunkedAndExpectContinueAreStreamed) {
  EXPECT_EQ(frame("POST /e HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n").kind,
            Kind::kStreamedBody);
  // Chunked wins over Content-Length, as in the library.
  EXPECT_EQ(
      frame("POST /e HTTP/1.1\r\nContent-Length: 3\r\ntransfer-encoding: chunked\r\n\r\n").kind,
      Kind::kStreamedBody);
  EXPECT_EQ(frame("POST /e HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n").kind,
            Kind::kStreamedBody);
  // Values the library does not treat specially frame by Content-Length.
  EXPECT_EQ(frame("POST /e HTTP/1.1\r\nTransfer-Encoding: gzip\r\nContent-Length: 1\r\n\r\nx").kind,
            Kind::kComplete);
}

TEST(RequestFraming, HeadOverTheLimitIsRefused) {
  const std::string huge = "GET / HTTP/1.1\r\nX-Pad: " + std::string(300, 'a');
  EXPECT_EQ(frame(huge).kind, Kind::kHeadTooLarge);
  EXPECT_EQ(frame(huge + "\r\n\r\n").kind, Kind::kHeadTooLarge);
  EXPECT_EQ(frame(huge.substr(0, 200)).kind, Kind::kIncomplete);
}

TEST(RequestFraming, MalformedHeaderLinesDoNotConfuseFraming) {
  const std::string head =
      "GET / HTTP/1.1\r\nno colon here\r\n: empty name\r\nContent-Length\r\n\r\n";
  const RequestFrame f = frame(head);
  EXPECT_EQ(f.kind, Kind::kComplete);
  EXPECT_EQ(f.total_bytes, head.size());
}

}  // namespace
}  // namespace pixforge::service::http
