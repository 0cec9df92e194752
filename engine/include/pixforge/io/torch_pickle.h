// PyTorch checkpoints (.ckpt/.pt/.pth, the zip format torch.save writes since 1.6):
// `<archive>/data.pkl` is run through a RESTRICTED unpickler that only understands the opcodes
// torch.save emits and a fixed list of globals it rebuilds itself (OrderedDict, tensor and
// parameter rebuilders, typed storages). Every other global (os.system, builtins.eval, ...)
// is refused with a ModelFormatError naming it: no code from a model file ever runs.
// Storages are read in place from `<archive>/data/<key>`.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pixforge/io/tensor_table.h"

namespace pixforge {

// One tensor of the unpickled state dict, before its storage is resolved.
struct PickledTensor {
  std::string name;         // dotted path inside the state dict ("encoder.conv_in.weight")
  std::string storage_key;  // zip entry `<archive>/data/<storage_key>`
  DType dtype = DType::F32;
  bool storage_is_f64 = false;  // torch.DoubleStorage: converted to f32 when read
  std::uint64_t storage_numel = 0;
  std::uint64_t storage_offset = 0;  // in elements
  Shape shape;
  std::vector<std::int64_t> stride;  // in elements
};

// Runs the restricted unpickler over a data.pkl image and returns the tensors of its state
// dict: the top-level dict, or its "state_dict" entry when it has one; nested dicts are
// flattened with '.'; non-tensor values (step counters, None, lightning callback records) are
// skipped. Throws ModelFormatError for any refused global, unknown opcode or malformed data.
std::vector<PickledTensor> unpickle_state_dict(std::span<const std::uint8_t> pkl,
                                               const std::string& origin);

// Maps and reads a torch.save zip file. A legacy (pre-1.6, non-zip) torch file gets a clear
// "unsupported legacy format" error. Strided (non-contiguous) tensors are copied contiguous.
std::unique_ptr<TensorTable> open_torch_zip(const std::string& path);
std::unique_ptr<TensorTable> parse_torch_zip(std::span<const std::uint8_t> bytes,
                                             const std::string& origin,
                                             std::shared_ptr<const void> keepalive);

// True for the first bytes of a legacy torch.save file (a bare pickle, or the tar format).
bool looks_like_legacy_torch(std::span<const std::uint8_t> bytes);

}  // namespace pixforge
