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

#include <memory>

#include "pixforge/io/tensor_source.h"

namespace pixforge::synthetic {

// An in-memory TensorSource holding synthetic f32 values for every layout entry. Tensor `name`
// in the source holds the values generated for `value_prefix + name`: networks read canonical
// names (e.g. "input_blocks.0.0.weight") while the values match a single-file checkpoint's full
// names (e.g. "model.diffusion_model.input_blocks.0.0.weight"), as the Python goldens use.
std::unique_ptr<TensorSource> make_source(const std::vector<LayoutEntry>& layout,
                                          const std::string& value_prefix = "");
// Same, for the entries of a layout whose names start with `strip_prefix`, stripped of it
// (values generated from the full name): a component of a full-checkpoint layout.
std::unique_ptr<TensorSource> make_component_source(const std::vector<LayoutEntry>& layout,
                                                    const std::string& strip_prefix);

}  // namespace pixforge::synthetic
