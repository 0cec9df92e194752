#include "pixforge/nn/weights.h"

#include <string_view>

#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/io/resident_pages.h"

namespace pixforge::nn {

namespace {

std::string where(const TensorSource& s) { return s.origin().empty() ? "" : " in " + s.origin(); }

}  // namespace

WeightReader::WeightReader(const TensorSource& source, Backend& backend)
    : source_(source),
      backend_(backend),
      // Weights reach prepare_* as host tensors staged here, never in the compute backend's
      // pool: that pool would keep every staging block (the whole model again) after load.
      // The staging backend, and its pool, die with the reader once the network is built.
      staging_(make_reference_backend()) {}

const Shape& WeightReader::shape(const std::string& name) const {
  return source_.require(name).shape;
}

const TensorInfo& WeightReader::take(const std::string& name) {
  const TensorInfo& info = source_.require(name);
  if (!is_float_dtype(info.dtype)) {
    throw ModelFormatError("tensor '" + name + "'" + where(source_) + " has dtype " +
                           std::string(dtype_name(info.dtype)) + "; expected f32, f16 or bf16");
  }
  if (info.nbytes != static_cast<std::size_t>(info.shape.numel()) * dtype_size(info.dtype)) {
    throw ModelFormatError("tensor '" + name + "'" + where(source_) + ": byte size " +
                           std::to_string(info.nbytes) + " does not match shape " +
                           info.shape.str());
  }
  used_.insert(name);
  return info;
}

Tensor WeightReader::host_tensor(const TensorInfo& info, const Shape& shape) {
  staging_->release_pooled();  // the previous weight's staging copy: one at a time at most
  return Tensor::from_host_raw(*staging_, shape, info.dtype, info.data);
}

std::shared_ptr<const PreparedWeight> WeightReader::conv(const std::string& prefix,
                                                         const Conv2dSpec& spec, bool need_bias) {
  const TensorInfo& w = take(prefix + "weight");
  if (w.shape.rank() != 4) {
    throw ModelFormatError("tensor '" + w.name + "'" + where(source_) + " has shape " +
                           w.shape.str() + "; expected a convolution weight [out, in, kh, kw]");
  }
  Tensor weight = host_tensor(w, w.shape);
  Tensor bias;
  if (need_bias || has(prefix + "bias")) {
    const TensorInfo& b = take(prefix + "bias");
    if (b.shape != Shape{w.shape[0]}) {
      throw ModelFormatError("tensor '" + b.name + "'" + where(source_) + " has shape " +
                             b.shape.str() + "; expected [" + std::to_string(w.shape[0]) + "]");
    }
    bias = host_tensor(b, b.shape);
  }
  auto prepared = ops::prepare_conv2d(backend_, weight, bias.defined() ? &bias : nullptr, spec);
  release_source(prefix);
  return prepared;
}

std::shared_ptr<const PreparedWeight> WeightReader::linear(const std::string& prefix,
                                                           bool need_bias) {
  return linear_impl(prefix, need_bias, -1);
}

std::shared_ptr<const PreparedWeight> WeightReader::linear_rows(const std::string& prefix,
                                                                std::int64_t rows) {
  return linear_impl(prefix, true, rows);
}

std::shared_ptr<const PreparedWeight> WeightReader::linear_impl(const std::string& prefix,
                                                                bool need_bias, std::int64_t rows) {
  const TensorInfo& w = take(prefix + "weight");
  const Shape& s = w.shape;
  const bool is_1x1 = s.rank() == 4 && s[2] == 1 && s[3] == 1;
  if (s.rank() != 2 && !is_1x1) {
    throw ModelFormatError("tensor '" + w.name + "'" + where(source_) + " has shape " + s.str() +
                           "; expected a linear weight [out, in] or a 1x1 convolution");
  }
  if (rows < 0) rows = s[0];
  if (rows > s[0]) {
    throw ModelFormatError("tensor '" + w.name + "'" + where(source_) + " has " +
                           std::to_string(s[0]) + " rows; need " + std::to_string(rows));
  }
  // Rows are contiguous in both layouts, so the first `rows` are a prefix of the data.
  Tensor weight = host_tensor(w, Shape{rows, s[1]});
  Tensor bias;
  if (need_bias || has(prefix + "bias")) {
    const TensorInfo& b = take(prefix + "bias");
    if (b.shape != Shape{s[0]}) {
      throw ModelFormatError("tensor '" + b.name + "'" + where(source_) + " has shape " +
                             b.shape.str() + "; expected [" + std::to_string(s[0]) + "]");
    }
    bias = host_tensor(b, Shape{rows});
  }
  auto prepared = ops::prepare_linear(backend_, weight, bias.defined() ? &bias : nullptr);
  release_source(prefix);
  return prepared;
}

Tensor WeightReader::vector(const std::string& name, std::int64_t size) {
  const TensorInfo& info = take(name);
  if (info.shape != Shape{size}) {
    throw ModelFormatError("tensor '" + name + "'" + where(source_) + " has shape " +
                           info.shape.str() + "; expected [" + std::to_string(size) + "]");
  }
  // Norm parameters are tiny: kept in f32 so the normalisation itself is exact.
  std::vector<float> values(static_cast<std::size_t>(size));
  convert_to_f32(info.dtype, info.data, values.data(), values.size());
  release_resident_pages(info);
  return Tensor::from_host(backend_, info.shape, values);
}

void WeightReader::release_source(const std::string& prefix) {
  for (const char* part : {"weight", "bias"}) {
    if (const TensorInfo* t = source_.find(prefix + part)) release_resident_pages(*t);
  }
}

void WeightReader::check_all_used(const std::string& prefix) const {
  for (const TensorInfo& t : source_.tensors()) {
    if (t.name.compare(0, prefix.size(), prefix) == 0 && !used_.contains(t.name)) {
      throw ModelFormatError("unexpected tensor '" + t.name + "'" + where(source_) +
                             ": not part of the network layout that was detected");
    }
  }
}

Norm::Norm(WeightReader& r, const std::string& prefix, std::int64_t channels, int groups_,
           float eps_)
    : gamma(r.vector(prefix + "weight", channels)),
      beta(r.vector(prefix + "bias", channels)),
      groups(groups_),
      eps(eps_) {}

Tensor Norm::group(const Tensor& x, Activation act) const {
  return ops::group_norm(x, groups, gamma, beta, eps, act);
}

Tensor Norm::layer(const Tensor& x) const { return ops::layer_norm(x, gamma, beta, eps); }

}  // namespace pixforge::nn
