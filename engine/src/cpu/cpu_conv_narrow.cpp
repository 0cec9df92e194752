// Convolutions with very few output channels (ESRGAN's to-RGB conv: 48 -> 3, 3x3, at the
// upscaled 2048² resolution; RDN's 64 -> 4 growth convs). oneDNN's direct kernels block output
// channels by 16, so 3 of 16 lanes do work (measured 25 GFLOP/s against 200+ for wide convs).
// Here the kh x kw taps become output columns of one matrix product instead:
//   T[p, (ky, kx, o)] = sum_c x[p, c] * w[o, c, ky, kx]      (oneDNN matmul, K = Cin, N =
//   taps·Cout) y[oy, ox, o] = bias[o] + sum_{ky,kx} T[(oy - pt + ky, ox - pl + kx), (ky, kx, o)]
// The same multiply-adds as the convolution, on the GEMM kernels; T is computed in bands of
// rows sized to stay in cache, and the shift-add is a cheap pass over it.
#include "cpu_conv_narrow.h"

#include <algorithm>
#include <vector>

#include "activation_fn.h"
#include "cpu_kernels.h"

namespace pixforge::cpu {

namespace {

using i64 = std::int64_t;

class NarrowConvWeight final : public PreparedWeight {
 public:
  NarrowConvWeight(Backend& backend, const WeightDesc& desc,
                   std::shared_ptr<const PreparedWeight> taps)
      : backend_(backend), shape_(desc.weight->shape()), spec_(desc.conv), taps_(std::move(taps)) {
    if (desc.bias != nullptr) {
      bias_.resize(static_cast<std::size_t>(desc.bias->numel()));
      convert_to_f32(desc.bias->dtype(), desc.bias->data(), bias_.data(), bias_.size());
    }
  }
  Backend& backend() const override { return backend_; }
  const Shape& shape() const override { return shape_; }
  bool has_bias() const override { return !bias_.empty(); }
  Conv2dSpec conv_spec() const override { return spec_; }
  const PreparedWeight& taps() const { return *taps_; }
  const std::vector<float>& bias() const { return bias_; }

 private:
  Backend& backend_;
  Shape shape_;
  Conv2dSpec spec_;
  std::shared_ptr<const PreparedWeight> taps_;
  std::vector<float> bias_;
};

// Adds the taps of band rows [iy0, iy1) (T, row-major [rows * w, taps * cout]) into output
// rows [y0, y1) of one image, then applies bias, activations and residual.
void shift_add(const OpCall& call, const NarrowConvWeight& w, const float* t, i64 iy0, i64 iy1,
               i64 y0, i64 y1, const float* residual, float* y) {
  const Conv2dSpec& s = w.conv_spec();
  const i64 kh = w.shape()[2], kw = w.shape()[3], cout = w.shape()[0];
  const i64 wi = call.in[0]->dim(2), wo = call.out->dim(2), cols = kh * kw * cout;
  const Activation act = call.params.act, post = call.params.post_act;
#pragma omp parallel for schedule(static)
  for (i64 oy = y0; oy < y1; ++oy) {
    float* out = y + oy * wo * cout;
    for (i64 ox = 0; ox < wo; ++ox)
      for (i64 o = 0; o < cout; ++o) out[ox * cout + o] = w.has_bias() ? w.bias()[o] : 0.0f;
    for (i64 ky = 0; ky < kh; ++ky) {
      const i64 iy = oy - s.pad_top + ky;
      if (iy < iy0 || iy >= iy1) continue;
      const float* row = t + (iy - iy0) * wi * cols;
      for (i64 kx = 0; kx < kw; ++kx) {
        // Output columns whose input column ox - pl + kx lies inside the image.
        const i64 lo = std::max<i64>(0, s.pad_left - kx);
        const i64 hi = std::min<i64>(wo, wi + s.pad_left - kx);
        const float* src = row + (lo - s.pad_left + kx) * cols + (ky * kw + kx) * cout;
        for (i64 ox = lo; ox < hi; ++ox, src += cols)
          for (i64 o = 0; o < cout; ++o) out[ox * cout + o] += src[o];
      }
    }
    const float* res = residual != nullptr ? residual + oy * wo * cout : nullptr;
    for (i64 i = 0; i < wo * cout; ++i) {
      const float v = activate(out[i], act);
      out[i] = activate(res != nullptr ? v + res[i] : v, post);
    }
  }
}

}  // namespace

bool narrow_conv_fits(const WeightDesc& desc) {
  const Shape& s = desc.weight->shape();
  const Conv2dSpec& c = desc.conv;
  return c.groups == 1 && s[0] <= kNarrowConvMaxOut && s[2] * s[3] > 1 && c.stride_h == 1 &&
         c.stride_w == 1 && c.dilation_h == 1 && c.dilation_w == 1;
}

std::shared_ptr<const PreparedWeight> prepare_narrow_conv(Backend& backend, HostPool& pool,
                                                          const WeightDesc& desc, DType compute) {
  const Shape& s = desc.weight->shape();
  const i64 cout = s[0], cin = s[1], kh = s[2], kw = s[3];
  std::vector<float> oihw(static_cast<std::size_t>(s.numel()));
  convert_to_f32(desc.weight->dtype(), desc.weight->data(), oihw.data(), oihw.size());
  // Row (ky, kx, o) of the [taps * cout, cin] linear weight is w[o, :, ky, kx].
  std::vector<float> taps(oihw.size());
  for (i64 ky = 0; ky < kh; ++ky)
    for (i64 kx = 0; kx < kw; ++kx)
      for (i64 o = 0; o < cout; ++o)
        for (i64 c = 0; c < cin; ++c)
          taps[static_cast<std::size_t>(((ky * kw + kx) * cout + o) * cin + c)] =
              oihw[static_cast<std::size_t>(((o * cin + c) * kh + ky) * kw + kx)];
  const Tensor t = Tensor::from_host(backend, Shape{kh * kw * cout, cin}, taps);
  WeightDesc linear;
  linear.use = WeightDesc::Use::Linear;
  linear.weight = &t;
  return std::make_shared<NarrowConvWeight>(backend, desc,
                                            prepare_linear_weight(backend, pool, linear, compute));
}

bool is_narrow_conv(const PreparedWeight* w) {
  return dynamic_cast<const NarrowConvWeight*>(w) != nullptr;
}

void narrow_conv2d(const OpCall& call, HostPool& pool) {
  const auto& w = static_cast<const NarrowConvWeight&>(*call.weight);
  const Tensor& x = *call.in[0];
  const i64 n = x.dim(0), h = x.dim(1), wi = x.dim(2), cin = x.dim(3);
  const i64 ho = call.out->dim(1), wo = call.out->dim(2), cout = call.out->dim(3);
  const i64 kh = w.shape()[2], cols = w.taps().shape()[0], pt = w.conv_spec().pad_top;
  // Bands of output rows whose taps (with the kh - 1 halo rows) take about 4 MiB.
  const i64 row_bytes = wi * cols * static_cast<i64>(sizeof(float));
  const i64 band = std::max<i64>(4, (i64{4} << 20) / std::max<i64>(row_bytes, 1) - (kh - 1));
  std::vector<float> residual;
  if (call.in[1] != nullptr) residual = call.in[1]->to_host();
  const Tensor rows = x.reshape(Shape{n * h * wi, cin});
  for (i64 b = 0; b < n; ++b) {
    for (i64 y0 = 0; y0 < ho; y0 += band) {
      const i64 y1 = std::min(ho, y0 + band);
      const i64 iy0 = std::clamp<i64>(y0 - pt, 0, h), iy1 = std::clamp<i64>(y1 - pt + kh - 1, 0, h);
      const i64 base = ((b * ho) * wo) * cout;
      float* y = call.out->host<float>() + base;
      const float* res = residual.empty() ? nullptr : residual.data() + base;
      if (iy1 <= iy0) {  // the band sees only padding
        shift_add(call, w, nullptr, 0, 0, y0, y1, res, y);
        continue;
      }
      const Tensor in = rows.slice0((b * h + iy0) * wi, (b * h + iy1) * wi);
      Tensor t = Tensor::empty(call.out->backend(), Shape{(iy1 - iy0) * wi, cols});
      OpCall mm;
      mm.kind = OpKind::Linear;
      mm.in[0] = &in;
      mm.weight = &w.taps();
      mm.out = &t;
      linear(mm, pool);
      shift_add(call, w, t.host<float>(), iy0, iy1, y0, y1, res, y);
    }
  }
}

}  // namespace pixforge::cpu
