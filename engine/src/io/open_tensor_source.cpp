// open_tensor_source: dispatch on content (zip signature, legacy pickle, safetensors header),
// not only on the file extension, so a mis-named file still gets the right reader.
#include <filesystem>

#include "mapped_file.h"
#include "pixforge/io/diffusers_folder.h"
#include "pixforge/io/safetensors.h"
#include "pixforge/io/torch_pickle.h"
#include "pixforge/io/zip_reader.h"

namespace pixforge {

std::unique_ptr<TensorTable> open_tensor_table(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return open_diffusers_component(path);
  auto file = io::MappedFile::open(path);
  const auto bytes = file->bytes();
  if (looks_like_zip(bytes) || looks_like_legacy_torch(bytes))
    return parse_torch_zip(bytes, path, file);
  // safetensors: an 8-byte length, then a JSON object
  if (bytes.size() >= 9 && bytes[8] == '{') return parse_safetensors(bytes, path, file);
  throw ModelFormatError(path +
                         ": unrecognised model file (expected safetensors, a PyTorch zip "
                         "checkpoint or a diffusers folder)");
}

std::unique_ptr<TensorSource> open_tensor_source(const std::string& path) {
  return open_tensor_table(path);
}

}  // namespace pixforge
