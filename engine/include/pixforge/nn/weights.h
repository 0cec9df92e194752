// Reading a network's weights out of a TensorSource, the way nn.Module's load_state_dict does:
// each block asks for its tensors by dotted name under its prefix, every request is recorded,
// and after construction the network checks that no tensor under its prefix went unused, so a
// wrong layout fails at load with the missing or unexpected tensor named.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "pixforge/core/backend.h"
#include "pixforge/io/tensor_source.h"

namespace pixforge::nn {

class WeightReader {
 public:
  WeightReader(const TensorSource& source, Backend& backend);

  Backend& backend() const { return backend_; }
  const TensorSource& source() const { return source_; }
  bool has(const std::string& name) const { return source_.find(name) != nullptr; }
  // Shape of a tensor that must exist (ModelFormatError naming it otherwise).
  const Shape& shape(const std::string& name) const;

  // `prefix` + "weight" (OIHW) and, when present or `need_bias`, `prefix` + "bias".
  std::shared_ptr<const PreparedWeight> conv(const std::string& prefix, const Conv2dSpec& spec,
                                             bool need_bias = true);
  // A [out, in] linear weight; also accepts a 1x1 convolution [out, in, 1, 1] (on NHWC maps a
  // 1x1 convolution is a linear layer over the channel dim, and runs as one matmul).
  std::shared_ptr<const PreparedWeight> linear(const std::string& prefix, bool need_bias = true);
  // The same, keeping only output rows [0, rows) (e.g. the mean half of the VAE's moments).
  std::shared_ptr<const PreparedWeight> linear_rows(const std::string& prefix, std::int64_t rows);
  // A 1-D parameter (norm scale/shift) as f32 on the backend; `size` checked.
  Tensor vector(const std::string& name, std::int64_t size);

  // Throws ModelFormatError naming the first tensor under `prefix` that no block asked for.
  void check_all_used(const std::string& prefix) const;

 private:
  const TensorInfo& take(const std::string& name);
  std::shared_ptr<const PreparedWeight> linear_impl(const std::string& prefix, bool need_bias,
                                                    std::int64_t rows);
  // A host tensor with the raw values of `info`, on the staging backend.
  Tensor host_tensor(const TensorInfo& info, const Shape& shape);
  // Once `prefix`'s weight and bias are prepared, nothing reads their file bytes again: drop
  // their pages from memory (io/resident_pages.h) so the load's peak is the prepared weights.
  void release_source(const std::string& prefix);

  const TensorSource& source_;
  Backend& backend_;
  std::unique_ptr<Backend> staging_;  // host memory for weights on their way to prepare_*
  std::set<std::string, std::less<>> used_;
};

// GroupNorm / LayerNorm parameters read from `prefix` + "weight"/"bias".
struct Norm {
  Tensor gamma, beta;
  int groups = 32;
  float eps = 1e-5f;
  Norm() = default;
  Norm(WeightReader& r, const std::string& prefix, std::int64_t channels, int groups, float eps);
  Tensor group(const Tensor& x, Activation act = Activation::None) const;  // NHWC
  Tensor layer(const Tensor& x) const;                                     // [..., C]
};

}  // namespace pixforge::nn
