// oneDNN plumbing shared by the conv, matmul and attention kernels: the engine, activation
// post-ops, dtype mapping, and staging of inputs into the type a primitive wants.
#pragma once

#include <dnnl.hpp>
#include <memory>

#include "host_pool.h"
#include "pixforge/core/backend.h"

namespace pixforge::cpu {

// One CPU engine per process (oneDNN engines are cheap handles to the same CPU).
const dnnl::engine& dnnl_engine();

// A stream for the calling thread (oneDNN streams must not be shared between threads).
dnnl::stream& dnnl_stream();

dnnl::memory::data_type dnnl_type(DType t);

// Appends the eltwise post-op computing `act` (nothing for Activation::None).
void append_activation(dnnl::post_ops& ops, Activation act);

// Both activations of a conv/linear call in the one PrimitiveKey slot that holds them.
inline std::int64_t act_key(Activation act, Activation post_act) {
  return static_cast<std::int64_t>(act) + 64 * static_cast<std::int64_t>(post_act);
}

// A tensor's elements as `want`: the tensor's own memory when it already has that type,
// otherwise a converted copy in a pooled buffer (kept alive by `hold`).
struct Staged {
  void* data = nullptr;
  std::shared_ptr<Buffer> hold;
};
Staged stage_as(const Tensor& t, DType want, HostPool& pool);

// Copies (and converts) `src` into f32 `dst` of the same element count, in parallel.
void copy_to_f32(const Tensor& src, float* dst);

}  // namespace pixforge::cpu
