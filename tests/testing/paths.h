// Where tests find their data: ../shared/data (real weights, vocabularies, photos) and the
// committed PyTorch goldens. Environment variables PIXFORGE_SHARED_DATA / PIXFORGE_GOLDEN_DIR
// override the build-time defaults.
#pragma once

#include <string>

namespace pixforge::testing {

std::string shared_data_dir();
std::string golden_dir();
// shared_data_dir() + "/" + relative; records a test failure naming the path if absent
// (CI always has ../shared beside the checkout, so a missing file is an error, not a skip).
std::string shared_data_path(const std::string& relative);
std::string golden_path(const std::string& relative);  // fails the test if absent

}  // namespace pixforge::testing
