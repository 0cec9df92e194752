#include "cpu_weights.h"

#include "f32_call.h"

namespace pixforge::cpu {

namespace {

void reorder(const dnnl::memory& from, const dnnl::memory& to) {
  dnnl::stream stream(dnnl_engine());
  dnnl::reorder(from, to).execute(stream, const_cast<dnnl::memory&>(from),
                                  const_cast<dnnl::memory&>(to));
  stream.wait();
}

}  // namespace

CpuWeight::CpuWeight(Backend& backend, HostPool& pool, const WeightDesc& desc, DType compute,
                     const dnnl::memory::desc& plain, const dnnl::memory::desc& preferred)
    : backend_(backend),
      pool_(pool),
      shape_(desc.weight->shape()),
      spec_(desc.use == WeightDesc::Use::Conv2d ? desc.conv : Conv2dSpec{}),
      compute_(compute),
      prepared_desc_(preferred) {
  std::vector<float> w = to_f32_vector(*desc.weight);
  dnnl::memory user(plain, dnnl_engine(), w.data());
  prepared_ = dnnl::memory(preferred, dnnl_engine());
  reorder(user, prepared_);
  const std::size_t bytes = preferred.get_size();
  if (desc.bias != nullptr) {
    const auto n = static_cast<dnnl::memory::dim>(desc.bias->numel());
    bias_ = std::make_unique<dnnl::memory>(
        dnnl::memory::desc({n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::a),
        dnnl_engine());
    copy_to_f32(*desc.bias, static_cast<float*>(bias_->get_data_handle()));
    bias_bytes_ = static_cast<std::size_t>(n) * sizeof(float);
  }
  accounted_ = pool.account(bytes + bias_bytes_);
}

dnnl::memory CpuWeight::weights_as(const dnnl::memory::desc& md) const {
  if (md == prepared_desc_) {
    prepared_used_ = true;
    return prepared_;
  }
  for (const dnnl::memory& v : variants_) {
    if (v.get_desc() == md) return v;
  }
  dnnl::memory v(md, dnnl_engine());
  reorder(prepared_, v);
  if (!prepared_used_) {
    prepared_ = v;
    prepared_desc_ = md;
    prepared_used_ = true;
    accounted_ = pool_.account(md.get_size() + bias_bytes_);
    return v;
  }
  variants_.push_back(v);
  variant_accounting_.push_back(pool_.account(md.get_size()));
  return v;
}

}  // namespace pixforge::cpu
