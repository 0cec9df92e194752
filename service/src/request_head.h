// Parses the head of a plain HTTP/1.x request (request line and headers) into an
// httplib::Request, as cpp-httplib's own parser would fill it, for the requests the event loop
// answers itself (event_loop_server.h). It accepts a strict subset: anything else (bare LF line
// ends, folded or nameless header lines, empty header values, a target that is not a path,
// control bytes, other versions, a request or header line over cpp-httplib's length limits)
// returns false and the request goes to cpp-httplib's parser, which answers it as before (usually
// 400 or 414).
#pragma once

#include <httplib.h>

#include <string_view>

namespace pixforge::service::http {

// `head` runs from the request line through the blank line ("\r\n\r\n"). Fills method, target,
// path (percent-decoded), params (from the query), version and headers (values percent-decoded
// as cpp-httplib 0.11 does); leaves the body, addresses and matches to the caller.
bool parse_request_head(std::string_view head, httplib::Request& req);

// Whether a parsed request is one the event loop answers itself: the methods with routes, no
// byte ranges (the library answers 206/416), no Transfer-Encoding or Expect (streamed bodies),
// no form body (the library parses multipart parts into req.files and url-encoded fields into
// req.params).
bool answerable_directly(const httplib::Request& req);

}  // namespace pixforge::service::http
