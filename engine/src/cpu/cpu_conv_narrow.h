// Convolutions with few output channels as one GEMM over the kernel taps plus a shift-add
// (cpu_conv_narrow.cpp): what prepare_conv_weight picks for them, and their kernel.
#pragma once

#include <memory>

#include "host_pool.h"
#include "pixforge/core/backend.h"

namespace pixforge::cpu {

// Up to this many output channels the tap GEMM beats oneDNN's 16-channel-blocked direct conv.
inline constexpr std::int64_t kNarrowConvMaxOut = 8;

// Groups 1, stride 1, no dilation, a kernel larger than 1x1, at most kNarrowConvMaxOut outputs.
bool narrow_conv_fits(const WeightDesc& desc);
std::shared_ptr<const PreparedWeight> prepare_narrow_conv(Backend& backend, HostPool& pool,
                                                          const WeightDesc& desc, DType compute);
bool is_narrow_conv(const PreparedWeight* w);
void narrow_conv2d(const OpCall& call, HostPool& pool);

}  // namespace pixforge::cpu
