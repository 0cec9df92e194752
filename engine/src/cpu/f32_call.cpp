#include "f32_call.h"

namespace pixforge::cpu {

F32Call::F32Call(const OpCall& call) : call_(call) {
  for (std::size_t i = 0; i < call.in.size(); ++i) {
    const Tensor* t = call.in[i];
    if (t == nullptr) continue;
    if (t->dtype() == DType::F32) {
      in_[i] = t->host<const float>();
    } else {
      in_scratch_[i].resize(static_cast<std::size_t>(t->numel()));
      convert_to_f32(t->dtype(), t->data(), in_scratch_[i].data(), in_scratch_[i].size());
      in_[i] = in_scratch_[i].data();
    }
  }
  if (call.out->dtype() == DType::F32) {
    out_ = call.out->host<float>();
  } else {
    out_scratch_.resize(static_cast<std::size_t>(call.out->numel()));
    out_ = out_scratch_.data();
  }
}

void F32Call::finish() {
  if (call_.out->dtype() != DType::F32) {
    convert_from_f32(call_.out->dtype(), out_scratch_.data(), call_.out->data(),
                     out_scratch_.size());
  }
}

std::vector<float> to_f32_vector(const Tensor& t) {
  std::vector<float> v(static_cast<std::size_t>(t.numel()));
  convert_to_f32(t.dtype(), t.host<const void>(), v.data(), v.size());
  return v;
}

}  // namespace pixforge::cpu
