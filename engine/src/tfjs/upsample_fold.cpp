// Nearest upsampling + convolution folded into a phase convolution (upsample_fold.h).
#include "upsample_fold.h"

namespace pixforge::tfjs {
namespace {

using i64 = std::int64_t;

i64 floor_div(i64 a, i64 s) { return a >= 0 ? a / s : -((-a + s - 1) / s); }

// One axis of the rewrite: the low-resolution offsets the taps reach, relative to the phase's
// base pixel, for kernel size k and leading padding p at factor s.
struct AxisFold {
  i64 lo = 0, hi = 0;  // offsets floor((phase - p + tap) / s) range over [lo, hi]
  i64 size() const { return hi - lo + 1; }
  i64 index(i64 phase, i64 tap, i64 p, i64 s) const { return floor_div(phase - p + tap, s) - lo; }
};

AxisFold axis_fold(i64 k, i64 p, i64 s) {
  return {floor_div(-p, s), floor_div(s - 1 - p + k - 1, s)};
}

// Conditions both rewrites share: a stride-1 dense convolution whose output is s times its
// input (its padding sums to k - 1), with weights of the stated shape, at a factor small
// enough that the phase counts below cannot overflow.
constexpr int kMaxFoldFactor = 64;

bool foldable(const std::vector<float>& oihw, i64 cout, i64 cin, i64 kh, i64 kw,
              const Conv2dSpec& spec, int s) {
  return s >= 2 && s <= kMaxFoldFactor && spec.groups == 1 && spec.stride_h == 1 &&
         spec.stride_w == 1 && spec.dilation_h == 1 && spec.dilation_w == 1 &&
         spec.pad_top + spec.pad_bottom == kh - 1 && spec.pad_left + spec.pad_right == kw - 1 &&
         static_cast<i64>(oihw.size()) == cout * cin * kh * kw;
}

// The phase kernel's shape and low-resolution padding (exact: a high-resolution row r lies
// outside [0, s·H) exactly when floor(r / s) lies outside [0, H)).
PhaseConv phase_shape(const AxisFold& fy, const AxisFold& fx, i64 outs, i64 ins) {
  PhaseConv p;
  p.kh = fy.size();
  p.kw = fx.size();
  p.spec.pad_top = static_cast<int>(-fy.lo);
  p.spec.pad_bottom = static_cast<int>(fy.hi);
  p.spec.pad_left = static_cast<int>(-fx.lo);
  p.spec.pad_right = static_cast<int>(fx.hi);
  p.weight.assign(static_cast<std::size_t>(outs * ins * p.kh * p.kw), 0.0f);
  return p;
}

}  // namespace

std::optional<PhaseConv> fold_upsample_into_conv(const std::vector<float>& oihw, i64 cout, i64 cin,
                                                 i64 kh, i64 kw, const Conv2dSpec& spec, int s) {
  if (!foldable(oihw, cout, cin, kh, kw, spec, s) || i64{s} * s * cout > kMaxPhaseOutputs) {
    return std::nullopt;
  }
  const AxisFold fy = axis_fold(kh, spec.pad_top, s), fx = axis_fold(kw, spec.pad_left, s);
  if (fy.size() * fx.size() > kh * kw) return std::nullopt;
  const i64 outs = i64{s} * s * cout;
  PhaseConv p = phase_shape(fy, fx, outs, cin);
  for (i64 a = 0; a < s; ++a)
    for (i64 b = 0; b < s; ++b)
      for (i64 o = 0; o < cout; ++o) {
        const i64 oc = (a * s + b) * cout + o;
        for (i64 c = 0; c < cin; ++c)
          for (i64 ky = 0; ky < kh; ++ky) {
            const i64 y = fy.index(a, ky, spec.pad_top, s);
            for (i64 kx = 0; kx < kw; ++kx) {
              const i64 x = fx.index(b, kx, spec.pad_left, s);
              p.weight[static_cast<std::size_t>(((oc * cin + c) * p.kh + y) * p.kw + x)] +=
                  oihw[static_cast<std::size_t>(((o * cin + c) * kh + ky) * kw + kx)];
            }
          }
      }
  return p;
}

std::optional<PhaseConv> fold_shuffle_into_conv(const std::vector<float>& oihw, i64 cout, i64 cin,
                                                i64 kh, i64 kw, const Conv2dSpec& spec, int s) {
  const i64 s2 = i64{s} * s;
  if (!foldable(oihw, cout, cin, kh, kw, spec, s) || s2 * cout > kMaxShuffleFoldChannels ||
      s2 * cin > kMaxShuffleFoldChannels) {
    return std::nullopt;
  }
  const AxisFold fy = axis_fold(kh, spec.pad_top, s), fx = axis_fold(kw, spec.pad_left, s);
  PhaseConv p = phase_shape(fy, fx, s2 * cout, s2 * cin);
  const i64 ins = s2 * cin;
  for (i64 a = 0; a < s; ++a)
    for (i64 b = 0; b < s; ++b)
      for (i64 ky = 0; ky < kh; ++ky) {
        const i64 y = fy.index(a, ky, spec.pad_top, s),
                  sa = a - spec.pad_top + ky - (y + fy.lo) * s;
        for (i64 kx = 0; kx < kw; ++kx) {
          const i64 x = fx.index(b, kx, spec.pad_left, s);
          const i64 sb = b - spec.pad_left + kx - (x + fx.lo) * s;
          for (i64 o = 0; o < cout; ++o)
            for (i64 c = 0; c < cin; ++c) {
              const i64 oc = (a * s + b) * cout + o, ic = (sa * s + sb) * cin + c;
              p.weight[static_cast<std::size_t>(((oc * ins + ic) * p.kh + y) * p.kw + x)] =
                  oihw[static_cast<std::size_t>(((o * cin + c) * kh + ky) * kw + kx)];
            }
        }
      }
  return p;
}

}  // namespace pixforge::tfjs
