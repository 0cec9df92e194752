// ldm SpatialTransformer: GroupNorm(32, eps 1e-6) -> proj_in (1x1 conv in SD1, linear in SD2;
// the same map on NHWC) -> transformer blocks over the H*W tokens -> proj_out, plus the input.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "attention.h"

namespace pixforge::nn {

class SpatialTransformer {
 public:
  // heads > 0: fixed head count (SD1: 8); otherwise heads = inner / head_dim (SD2: 64).
  SpatialTransformer(WeightReader& r, const std::string& prefix, std::int64_t channels, int heads,
                     int head_dim);
  Tensor forward(const Tensor& x, const Tensor& context) const;  // x [B,H,W,C]

 private:
  Norm norm_;
  std::shared_ptr<const PreparedWeight> proj_in_, proj_out_;
  std::vector<TransformerBlock> blocks_;
};

}  // namespace pixforge::nn
