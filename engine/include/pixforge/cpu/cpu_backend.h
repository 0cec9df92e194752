// Backends that run on the host CPU.
#pragma once

#include <memory>

#include "pixforge/core/backend.h"

namespace pixforge {

struct CpuBackendOptions {
  // F32 for exactness, BF16 for speed (needs avx512_bf16 or AMX; falls back to F32 otherwise).
  // F16 is not a CPU compute type and is treated as BF16. compute_type() reports the result.
  DType compute_type = DType::BF16;
  // OpenMP threads for every kernel (oneDNN's and ours share one pool); 0: the OpenMP default
  // (OMP_NUM_THREADS or all cores). Applied on the thread that calls compute().
  int threads = 0;
};

// oneDNN convolutions and matrix products with fused post-ops, own vectorised kernels for the
// rest, a pooled arena for activations.
std::unique_ptr<Backend> make_cpu_backend(const CpuBackendOptions& options = {});

// Naive, obviously-correct f32 loops: the oracle every fast op is checked against.
std::unique_ptr<Backend> make_reference_backend();

}  // namespace pixforge
