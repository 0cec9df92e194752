// Builds a zip archive in memory (libzip): the data-subject export (P7) never touches disk in
// plaintext.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pixforge::service {

// files: {name inside the archive, bytes}. Throws on libzip errors.
std::string make_zip(const std::vector<std::pair<std::string, std::string>>& files);
// Reads back an archive (tests, tools): {name, bytes} in archive order.
std::vector<std::pair<std::string, std::string>> read_zip(const std::string& archive);

}  // namespace pixforge::service
