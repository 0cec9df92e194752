// safetensors: 8-byte little-endian header length, a JSON header naming each tensor's dtype,
// shape and [begin, end) byte range in the data section, then the raw little-endian data.
// Read in place from a memory mapping; every length, offset, shape and dtype is checked before
// a pointer into the data is handed out.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pixforge/io/tensor_table.h"

namespace pixforge {

// Limits applied to untrusted files (a real SD checkpoint's header is a few hundred KB).
inline constexpr std::uint64_t kMaxSafetensorsHeader = 100ull << 20;

// Maps `path` and parses it. F64 tensors are converted to F32 (the engine has no f64);
// other dtypes outside DType (BOOL, I8, F8_*, ...) are a ModelFormatError naming the tensor.
std::unique_ptr<TensorTable> open_safetensors(const std::string& path);

// Parses a safetensors image already in memory; `keepalive` owns `bytes` (may be null if the
// caller keeps them alive longer than the table). `origin` names the file in errors.
std::unique_ptr<TensorTable> parse_safetensors(std::span<const std::uint8_t> bytes,
                                               const std::string& origin,
                                               std::shared_ptr<const void> keepalive);

// Serialises tensors (data and nbytes must be set) into a safetensors image, tensors in the
// given order, header padded to 8 bytes. For tests, tools and converted checkpoints.
std::vector<std::uint8_t> serialize_safetensors(
    const std::vector<TensorInfo>& tensors,
    const std::map<std::string, std::string>& metadata = {});
// Writes serialize_safetensors(...) to `path`; throws std::runtime_error on I/O failure.
void save_safetensors(const std::string& path, const std::vector<TensorInfo>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace pixforge
