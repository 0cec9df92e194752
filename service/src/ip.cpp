#include "ip.h"

#include <arpa/inet.h>

#include <cstring>

namespace pixforge::service {

std::string truncate_ip(const std::string& address) {
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    auto* b = reinterpret_cast<unsigned char*>(&v4.s_addr);
    b[3] = 0;
    char out[INET_ADDRSTRLEN];
    return inet_ntop(AF_INET, &v4, out, sizeof out) ? out : "invalid";
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
      char v4text[INET_ADDRSTRLEN];
      in_addr mapped{};
      std::memcpy(&mapped.s_addr, v6.s6_addr + 12, 4);
      inet_ntop(AF_INET, &mapped, v4text, sizeof v4text);
      return truncate_ip(v4text);
    }
    std::memset(v6.s6_addr + 6, 0, 10);
    char out[INET6_ADDRSTRLEN];
    return inet_ntop(AF_INET6, &v6, out, sizeof out) ? out : "invalid";
  }
  return "invalid";
}

}  // namespace pixforge::service
