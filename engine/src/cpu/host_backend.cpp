#include "host_backend.h"

#include <cstring>
#include <stdexcept>
#include <string>

#include "f32_call.h"

namespace pixforge::cpu {

namespace {

void check_copy(const Tensor& t, const Backend& self, std::size_t bytes, const char* what) {
  if (!t.defined() || &t.backend() != &self) {
    throw std::invalid_argument(std::string(what) + ": tensor does not live on this backend");
  }
  if (bytes > t.nbytes()) {
    throw std::out_of_range(std::string(what) + ": " + std::to_string(bytes) +
                            " bytes exceed tensor " + t.shape().str());
  }
}

}  // namespace

void HostBackend::write(const Tensor& dst, const void* src, std::size_t bytes) {
  check_copy(dst, *this, bytes, "write");
  if (bytes) std::memcpy(dst.data(), src, bytes);
}

void HostBackend::read(const Tensor& src, void* dst, std::size_t bytes) const {
  check_copy(src, *this, bytes, "read");
  if (bytes) std::memcpy(dst, src.data(), bytes);
}

bool HostBackend::well_formed(const OpCall& call) const {
  try {
    const Shape shape = op_output_shape(call);
    if (call.out == nullptr || !call.out->defined() || call.out->shape() != shape) return false;
    if (&call.out->backend() != this) return false;
    const bool any_float_out = call.kind == OpKind::Convert || call.kind == OpKind::GroupNorm ||
                               call.kind == OpKind::Conv2d;
    if (any_float_out ? !is_float_dtype(call.out->dtype()) : call.out->dtype() != DType::F32) {
      // Nearest upsampling copies: into f32, or into the input's own dtype.
      const bool upsample_same =
          call.kind == OpKind::UpsampleNearest && call.out->dtype() == call.in[0]->dtype();
      if (!upsample_same) return false;
    }
    for (const Tensor* t : call.in) {
      if (t != nullptr && &t->backend() != this) return false;
    }
    if (call.weight != nullptr && &call.weight->backend() != this) return false;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

void HostBackend::unsupported(const OpCall& call) const {
  std::string what = std::string(op_name(call.kind)) + ": call not supported by the " +
                     std::string(name()) + " backend";
  try {
    op_output_shape(call);
  } catch (const std::exception& e) {
    what += " (" + std::string(e.what()) + ")";
  }
  throw UnsupportedOp(what);
}

F32PreparedWeight::F32PreparedWeight(Backend& backend, HostPool& pool, const WeightDesc& desc)
    : backend_(backend) {
  data_.shape = desc.weight->shape();
  data_.spec = desc.use == WeightDesc::Use::Conv2d ? desc.conv : Conv2dSpec{};
  data_.w = to_f32_vector(*desc.weight);
  if (desc.bias != nullptr) data_.bias = to_f32_vector(*desc.bias);
  accounted_ = pool.account((data_.w.size() + data_.bias.size()) * sizeof(float));
}

}  // namespace pixforge::cpu
