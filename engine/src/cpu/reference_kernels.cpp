// Each kernel is the textbook formula with f64 accumulation where sums get long, so that the
// reference's own rounding error is far below the tolerances the fast kernels are held to.
#include "reference_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "activation_fn.h"
#include "f32_call.h"

namespace pixforge::cpu {

namespace {

using i64 = std::int64_t;

// Rows of the last dim: numel / last.
i64 rows_of(const Tensor& t) { return t.dim(-1) == 0 ? 0 : t.numel() / t.dim(-1); }

void conv2d(const OpCall& call, const F32Weight& w, F32Call& io) {
  const Tensor& xt = *call.in[0];
  const Conv2dSpec& s = w.spec;
  const i64 n = xt.dim(0), h = xt.dim(1), wd = xt.dim(2), cin = xt.dim(3);
  const i64 ho = call.out->dim(1), wo = call.out->dim(2), cout = call.out->dim(3);
  const i64 kh = w.shape[2], kw = w.shape[3], cg = w.shape[1], og = cout / s.groups;
  const float* x = io.in(0);
  const float* res = io.in(1);
  float* y = io.out();
  for (i64 b = 0; b < n; ++b)
    for (i64 oy = 0; oy < ho; ++oy)
      for (i64 ox = 0; ox < wo; ++ox)
        for (i64 oc = 0; oc < cout; ++oc) {
          const i64 g = oc / og;
          double acc = w.bias.empty() ? 0.0 : w.bias[oc];
          for (i64 ky = 0; ky < kh; ++ky) {
            const i64 iy = oy * s.stride_h - s.pad_top + ky * s.dilation_h;
            if (iy < 0 || iy >= h) continue;
            for (i64 kx = 0; kx < kw; ++kx) {
              const i64 ix = ox * s.stride_w - s.pad_left + kx * s.dilation_w;
              if (ix < 0 || ix >= wd) continue;
              const float* xp = x + ((b * h + iy) * wd + ix) * cin + g * cg;
              const float* wp = w.w.data() + oc * cg * kh * kw + ky * kw + kx;
              for (i64 c = 0; c < cg; ++c) acc += double{xp[c]} * wp[c * kh * kw];
            }
          }
          const i64 o = ((b * ho + oy) * wo + ox) * cout + oc;
          const float v = activate(static_cast<float>(acc), call.params.act);
          y[o] = activate(res ? v + res[o] : v, call.params.post_act);
        }
}

void linear(const OpCall& call, const F32Weight& w, F32Call& io) {
  const i64 m = rows_of(*call.in[0]), k = w.shape[1], nout = w.shape[0];
  const float* x = io.in(0);
  const float* res = io.in(1);
  float* y = io.out();
  for (i64 r = 0; r < m; ++r)
    for (i64 o = 0; o < nout; ++o) {
      double acc = w.bias.empty() ? 0.0 : w.bias[o];
      for (i64 i = 0; i < k; ++i) acc += double{x[r * k + i]} * w.w[o * k + i];
      const float v = activate(static_cast<float>(acc), call.params.act);
      y[r * nout + o] = activate(res ? v + res[r * nout + o] : v, call.params.post_act);
    }
}

// PyTorch GroupNorm on NHWC: statistics over (spatial, channels of the group) per batch item.
void group_norm(const OpCall& call, F32Call& io) {
  const Tensor& xt = *call.in[0];
  const i64 n = xt.dim(0), c = xt.dim(-1), sp = n == 0 ? 0 : xt.numel() / (n * c);
  const i64 groups = call.params.groups, cg = c / groups;
  const float *x = io.in(0), *gamma = io.in(1), *beta = io.in(2);
  float* y = io.out();
  for (i64 b = 0; b < n; ++b)
    for (i64 g = 0; g < groups; ++g) {
      double sum = 0, sq = 0;
      for (i64 p = 0; p < sp; ++p)
        for (i64 j = 0; j < cg; ++j) sum += x[(b * sp + p) * c + g * cg + j];
      const double mean = sum / static_cast<double>(sp * cg);
      for (i64 p = 0; p < sp; ++p)
        for (i64 j = 0; j < cg; ++j) {
          const double d = x[(b * sp + p) * c + g * cg + j] - mean;
          sq += d * d;
        }
      const double inv = 1.0 / std::sqrt(sq / static_cast<double>(sp * cg) + call.params.eps);
      for (i64 p = 0; p < sp; ++p)
        for (i64 j = 0; j < cg; ++j) {
          const i64 ch = g * cg + j, o = (b * sp + p) * c + ch;
          const double v = (x[o] - mean) * inv * gamma[ch] + beta[ch];
          y[o] = activate(static_cast<float>(v), call.params.act);
        }
    }
}

void layer_norm(const OpCall& call, F32Call& io) {
  const i64 rows = rows_of(*call.in[0]), c = call.in[0]->dim(-1);
  const float *x = io.in(0), *gamma = io.in(1), *beta = io.in(2);
  float* y = io.out();
  for (i64 r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    double sum = 0, sq = 0;
    for (i64 i = 0; i < c; ++i) sum += xr[i];
    const double mean = sum / static_cast<double>(c);
    for (i64 i = 0; i < c; ++i) sq += (xr[i] - mean) * (xr[i] - mean);
    const double inv = 1.0 / std::sqrt(sq / static_cast<double>(c) + call.params.eps);
    for (i64 i = 0; i < c; ++i)
      y[r * c + i] = static_cast<float>((xr[i] - mean) * inv * gamma[i] + beta[i]);
  }
}

void softmax(const OpCall& call, F32Call& io) {
  const i64 rows = rows_of(*call.in[0]), c = call.in[0]->dim(-1);
  for (i64 r = 0; r < rows; ++r) {
    const float* x = io.in(0) + r * c;
    float* y = io.out() + r * c;
    float mx = -std::numeric_limits<float>::infinity();
    for (i64 i = 0; i < c; ++i) mx = std::max(mx, x[i]);
    double sum = 0;
    for (i64 i = 0; i < c; ++i) sum += std::exp(double{x[i]} - mx);
    for (i64 i = 0; i < c; ++i) y[i] = static_cast<float>(std::exp(double{x[i]} - mx) / sum);
  }
}

void geglu(const OpCall& call, F32Call& io) {
  const i64 rows = rows_of(*call.in[0]), n = call.out->dim(-1);
  for (i64 r = 0; r < rows; ++r) {
    const float* x = io.in(0) + r * 2 * n;
    for (i64 i = 0; i < n; ++i) io.out()[r * n + i] = x[i] * gelu_erf(x[n + i]);
  }
}

// torch's nearest rule for any size: source = min(floor(dst * float(in / out)), in - 1), with
// its exact shortcuts for equal and doubled sizes.
i64 nearest_src(i64 o, i64 in, i64 out) {
  if (out == in) return o;
  if (out == 2 * in) return o / 2;
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  return std::min(static_cast<i64>(std::floor(static_cast<float>(o) * scale)), in - 1);
}

void upsample(const OpCall& call, F32Call& io) {
  const Tensor& xt = *call.in[0];
  const i64 n = xt.dim(0), h = xt.dim(1), w = xt.dim(2), c = xt.dim(3);
  const i64 oh = call.out->dim(1), ow = call.out->dim(2);
  for (i64 b = 0; b < n; ++b)
    for (i64 oy = 0; oy < oh; ++oy)
      for (i64 ox = 0; ox < ow; ++ox)
        std::memcpy(io.out() + ((b * oh + oy) * ow + ox) * c,
                    io.in(0) + ((b * h + nearest_src(oy, h, oh)) * w + nearest_src(ox, w, ow)) * c,
                    sizeof(float) * c);
}

// Materialises each query's full score row: fine for an oracle, never for the fast path.
void attention(const OpCall& call, F32Call& io) {
  const Tensor &q = *call.in[0], &v = *call.in[2];
  const i64 bsz = q.dim(0), nq = q.dim(1), nk = call.in[1]->dim(1), heads = call.params.heads;
  const i64 d = q.dim(2) / heads, dv = v.dim(2) / heads;
  std::vector<double> p(static_cast<std::size_t>(nk));
  for (i64 b = 0; b < bsz; ++b)
    for (i64 h = 0; h < heads; ++h)
      for (i64 i = 0; i < nq; ++i) {
        const float* qi = io.in(0) + (b * nq + i) * heads * d + h * d;
        const i64 visible = call.params.causal ? std::min(nk, i + 1) : nk;
        double mx = -std::numeric_limits<double>::infinity(), sum = 0;
        for (i64 j = 0; j < visible; ++j) {
          const float* kj = io.in(1) + (b * nk + j) * heads * d + h * d;
          double s = 0;
          for (i64 t = 0; t < d; ++t) s += double{qi[t]} * kj[t];
          p[j] = s * call.params.scale;
          mx = std::max(mx, p[j]);
        }
        for (i64 j = 0; j < visible; ++j) sum += (p[j] = std::exp(p[j] - mx));
        float* yi = io.out() + (b * nq + i) * heads * dv + h * dv;
        for (i64 t = 0; t < dv; ++t) {
          double acc = 0;
          for (i64 j = 0; j < visible; ++j)
            acc += p[j] * io.in(2)[(b * nk + j) * heads * dv + h * dv + t];
          yi[t] = static_cast<float>(acc / sum);
        }
      }
}

void binary(const OpCall& call, F32Call& io) {
  const i64 n = call.out->numel(), nb = call.in[1]->numel();
  const bool mul = call.kind == OpKind::Mul;
  for (i64 i = 0; i < n; ++i) {
    const float a = io.in(0)[i], b = io.in(1)[nb == 0 ? 0 : i % nb];
    io.out()[i] = mul ? a * b : a + b;
  }
}

void concat(const OpCall& call, F32Call& io) {
  const Tensor& first = *call.in[0];
  const int axis = call.params.axis < 0 ? call.params.axis + first.rank() : call.params.axis;
  i64 outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= first.dim(d);
  for (int d = axis + 1; d < first.rank(); ++d) inner *= first.dim(d);
  const i64 out_row = call.out->dim(axis) * inner;
  i64 offset = 0;
  for (std::size_t p = 0; p < call.in.size() && call.in[p] != nullptr; ++p) {
    const i64 row = call.in[p]->dim(axis) * inner;
    for (i64 o = 0; o < outer; ++o)
      std::memcpy(io.out() + o * out_row + offset, io.in(p) + o * row, sizeof(float) * row);
    offset += row;
  }
}

// TF pooling: max ignores padding; avg divides by the in-image elements of each window.
void pool2d(const OpCall& call, F32Call& io) {
  const Tensor& xt = *call.in[0];
  const Pool2dSpec& p = call.params.pool;
  const i64 n = xt.dim(0), h = xt.dim(1), w = xt.dim(2), c = xt.dim(3);
  const i64 ho = call.out->dim(1), wo = call.out->dim(2);
  const bool max = call.kind == OpKind::MaxPool2d;
  for (i64 b = 0; b < n; ++b)
    for (i64 oy = 0; oy < ho; ++oy)
      for (i64 ox = 0; ox < wo; ++ox)
        for (i64 ch = 0; ch < c; ++ch) {
          double acc = max ? -std::numeric_limits<double>::infinity() : 0.0;
          i64 count = 0;
          for (i64 ky = 0; ky < p.kernel_h; ++ky) {
            const i64 iy = oy * p.stride_h - p.pad_top + ky;
            if (iy < 0 || iy >= h) continue;
            for (i64 kx = 0; kx < p.kernel_w; ++kx) {
              const i64 ix = ox * p.stride_w - p.pad_left + kx;
              if (ix < 0 || ix >= w) continue;
              const double v = io.in(0)[((b * h + iy) * w + ix) * c + ch];
              acc = max ? std::max(acc, v) : acc + v;
              ++count;
            }
          }
          io.out()[((b * ho + oy) * wo + ox) * c + ch] =
              static_cast<float>(max ? acc : acc / static_cast<double>(count));
        }
}

// Every output element: the input element it came from, or the pad value.
void pad(const OpCall& call, F32Call& io) {
  const Shape& in = call.in[0]->shape();
  const Shape& out = call.out->shape();
  const int rank = out.rank();
  const i64 total = call.out->numel();
  for (i64 o = 0; o < total; ++o) {
    i64 rest = o, src = 0, stride = 1;
    bool inside = true;
    for (int d = rank - 1; d >= 0; --d) {
      const i64 coord = rest % out[d] - call.params.pads[static_cast<std::size_t>(d)][0];
      rest /= out[d];
      inside = inside && coord >= 0 && coord < in[d];
      src += coord * stride;
      stride *= in[d];
    }
    io.out()[o] = inside ? io.in(0)[src] : call.params.pad_value;
  }
}

void depth_to_space(const OpCall& call, F32Call& io) {
  const Tensor& xt = *call.in[0];
  const i64 n = xt.dim(0), h = xt.dim(1), w = xt.dim(2), cin = xt.dim(3);
  const i64 r = call.params.factor, c = cin / (r * r);
  for (i64 b = 0; b < n; ++b)
    for (i64 oy = 0; oy < h * r; ++oy)
      for (i64 ox = 0; ox < w * r; ++ox)
        for (i64 ch = 0; ch < c; ++ch) {
          const i64 src = ((b * h + oy / r) * w + ox / r) * cin + ((oy % r) * r + ox % r) * c + ch;
          io.out()[((b * h * r + oy) * w * r + ox) * c + ch] = io.in(0)[src];
        }
}

void mean_hw(const OpCall& call, F32Call& io) {
  const Tensor& xt = *call.in[0];
  const i64 n = xt.dim(0), hw = xt.dim(1) * xt.dim(2), c = xt.dim(3);
  for (i64 b = 0; b < n; ++b)
    for (i64 ch = 0; ch < c; ++ch) {
      double sum = 0;
      for (i64 p = 0; p < hw; ++p) sum += io.in(0)[(b * hw + p) * c + ch];
      io.out()[b * c + ch] = static_cast<float>(sum / static_cast<double>(hw));
    }
}

void elementwise(const OpCall& call, F32Call& io) {
  const i64 n = call.out->numel();
  for (i64 i = 0; i < n; ++i) {
    const float x = io.in(0)[i];
    switch (call.kind) {
      case OpKind::Activation:
        io.out()[i] = activate(x, call.params.act);
        break;
      case OpKind::ScaleBias:
        io.out()[i] = x * call.params.scale + call.params.bias;
        break;
      case OpKind::Clip:
        io.out()[i] = std::min(std::max(x, call.params.clip_min), call.params.clip_max);
        break;
      default:
        io.out()[i] = x;
        break;  // Convert: F32Call::finish narrows
    }
  }
}

}  // namespace

void reference_compute(const OpCall& call, const F32Weight* weight) {
  if (call.out->numel() == 0) return;  // empty outputs: nothing to compute (and no 0/0 stats)
  F32Call io(call);
  switch (call.kind) {
    case OpKind::Conv2d:
      conv2d(call, *weight, io);
      break;
    case OpKind::Linear:
      linear(call, *weight, io);
      break;
    case OpKind::GroupNorm:
      group_norm(call, io);
      break;
    case OpKind::LayerNorm:
      layer_norm(call, io);
      break;
    case OpKind::Softmax:
      softmax(call, io);
      break;
    case OpKind::Geglu:
      geglu(call, io);
      break;
    case OpKind::UpsampleNearest:
      upsample(call, io);
      break;
    case OpKind::Attention:
      attention(call, io);
      break;
    case OpKind::Add:
    case OpKind::Mul:
      binary(call, io);
      break;
    case OpKind::Concat:
      concat(call, io);
      break;
    case OpKind::MaxPool2d:
    case OpKind::AvgPool2d:
      pool2d(call, io);
      break;
    case OpKind::Pad:
      pad(call, io);
      break;
    case OpKind::DepthToSpace:
      depth_to_space(call, io);
      break;
    case OpKind::MeanHW:
      mean_hw(call, io);
      break;
    case OpKind::Activation:
    case OpKind::ScaleBias:
    case OpKind::Clip:
    case OpKind::Convert:
      elementwise(call, io);
      break;
  }
  io.finish();
}

}  // namespace pixforge::cpu
