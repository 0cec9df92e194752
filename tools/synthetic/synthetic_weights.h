// Deterministic synthetic weights, bit-identical to tools/reference/synthetic.py: tests and
// benchmarks build random-weight models of the real layouts (real tensor names and shapes)
// without committing weights, and compare against goldens PyTorch computed on the same values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pixforge/core/dtype.h"
#include "pixforge/core/shape.h"

namespace pixforge::synthetic {

// FNV-1a 64 of the name (the per-tensor stream key).
std::uint64_t name_hash(std::string_view name);
// Fills out[0..shape.numel()) with the synthetic values of tensor `name`.
void fill(std::string_view name, const Shape& shape, float* out);
std::vector<float> values(std::string_view name, const Shape& shape);

struct LayoutEntry {
  std::string name;
  Shape shape;
};
// Reads a layout JSON file ({"name": [dims...], ...}, written by the reference scripts).
std::vector<LayoutEntry> read_layout(const std::string& path);

// Writes a .safetensors file holding every layout tensor with synthetic values in `dtype`
// (F32, F16 or BF16), streaming one tensor at a time (bounded memory for multi-GB layouts).
void write_safetensors(const std::vector<LayoutEntry>& layout, DType dtype, const std::string& path);

}  // namespace pixforge::synthetic
