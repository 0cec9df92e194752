// The CPU backend's fast kernels, one function per op family (one .cpp each). Each receives a
// call that passed the backend's supports_op (see the seam contract in core/ops.cpp).
#pragma once

#include "cpu_weights.h"
#include "host_pool.h"

namespace pixforge::cpu {

// oneDNN convolution / matmul with fused bias, activation and residual (cpu_conv.cpp,
// cpu_matmul.cpp), and the weight preparation that picks their layouts.
std::shared_ptr<const PreparedWeight> prepare_conv_weight(Backend& backend, HostPool& pool,
                                                          const WeightDesc& desc, DType compute);
std::shared_ptr<const PreparedWeight> prepare_linear_weight(Backend& backend, HostPool& pool,
                                                            const WeightDesc& desc, DType compute);
void conv2d(const OpCall& call, HostPool& pool);
void linear(const OpCall& call, HostPool& pool);

// Tiled online-softmax attention (cpu_attention.cpp).
void attention(const OpCall& call, HostPool& pool, DType compute);

// Normalisations (cpu_norm.cpp).
void group_norm(const OpCall& call, HostPool& pool);
void layer_norm(const OpCall& call, HostPool& pool);
void softmax(const OpCall& call, HostPool& pool);

// Elementwise and layout ops (cpu_elementwise.cpp, cpu_layout.cpp).
void activation(const OpCall& call, HostPool& pool);
void geglu(const OpCall& call, HostPool& pool);
void binary(const OpCall& call, HostPool& pool);
void scale_bias(const OpCall& call, HostPool& pool);
void upsample_nearest(const OpCall& call, HostPool& pool);
void concat(const OpCall& call, HostPool& pool);
void convert(const OpCall& call);
void pad(const OpCall& call, HostPool& pool);
void depth_to_space(const OpCall& call, HostPool& pool);
void clip(const OpCall& call, HostPool& pool);

// Spatial reductions (cpu_pool.cpp): max/avg pooling on oneDNN, mean over H and W.
void pool2d(const OpCall& call, HostPool& pool);
void mean_hw(const OpCall& call, HostPool& pool);

}  // namespace pixforge::cpu
