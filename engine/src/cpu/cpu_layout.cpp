// Data movement ops: nearest upsample, concat, constant pad, depth-to-space, dtype conversion. Row
// copies in parallel, converting to f32 on the way when an input is f16/bf16.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "cpu_convert.h"
#include "cpu_kernels.h"

namespace pixforge::cpu {

namespace {

using i64 = std::int64_t;

// Copies n elements of `src` (any float dtype) at element offset `at` into f32 `dst`.
inline void copy_row(const Tensor& src, i64 at, float* dst, i64 n) {
  const auto* base =
      static_cast<const char*>(src.data()) + at * static_cast<i64>(dtype_size(src.dtype()));
  if (src.dtype() == DType::F32) {
    std::memcpy(dst, base, static_cast<std::size_t>(n) * sizeof(float));
  } else {
    convert_to_f32(src.dtype(), base, dst, static_cast<std::size_t>(n));
  }
}

// n floats (a multiple of 16) to 64-byte-aligned `dst` with non-temporal stores.
inline void stream_row(const float* src, float* dst, i64 n) {
  for (i64 i = 0; i < n; i += 4) _mm_stream_ps(dst + i, _mm_loadu_ps(src + i));
}

}  // namespace

// torch's nearest_idx: the source of output index `o` when resizing `in` to `out` elements.
i64 nearest_source(i64 o, i64 in, i64 out) {
  if (out == in) return o;
  if (out == 2 * in) return o >> 1;
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  return std::min(static_cast<i64>(std::floor(static_cast<float>(o) * scale)), in - 1);
}

// Any output size (ComfyUI's Upsample to an odd skip size): one row copy per output pixel.
void upsample_nearest_sized(const OpCall& call) {
  const Tensor& x = *call.in[0];
  const i64 n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
  const i64 oh = call.out->dim(1), ow = call.out->dim(2);
  float* y = call.out->host<float>();
#pragma omp parallel for schedule(static)
  for (i64 row = 0; row < n * oh; ++row) {
    const i64 b = row / oh, sy = nearest_source(row % oh, h, oh);
    for (i64 ox = 0; ox < ow; ++ox) {
      copy_row(x, ((b * h + sy) * w + nearest_source(ox, w, ow)) * c, y + (row * ow + ox) * c, c);
    }
  }
}

// Into the input's own 16-bit dtype (ops::upsample_nearest with an output dtype): byte copies
// of each source pixel, so a bf16 map is never widened to f32 on the way.
void upsample_nearest_same_dtype(const OpCall& call) {
  const Tensor& x = *call.in[0];
  const i64 n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
  const i64 oh = call.out->dim(1), ow = call.out->dim(2);
  const i64 pixel = c * static_cast<i64>(dtype_size(x.dtype()));
  const auto* src = static_cast<const char*>(x.data());
  auto* y = static_cast<char*>(call.out->data());
#pragma omp parallel for schedule(static)
  for (i64 row = 0; row < n * oh; ++row) {
    const i64 b = row / oh, sy = nearest_source(row % oh, h, oh);
    char* out = y + row * ow * pixel;
    for (i64 ox = 0; ox < ow; ++ox) {
      std::memcpy(out + ox * pixel, src + ((b * h + sy) * w + nearest_source(ox, w, ow)) * pixel,
                  static_cast<std::size_t>(pixel));
    }
  }
}

void upsample_nearest(const OpCall& call, HostPool&) {
  if (call.out->dtype() != DType::F32) {
    upsample_nearest_same_dtype(call);
    return;
  }
  const Tensor& x = *call.in[0];
  const i64 n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
  const i64 oh = call.out->dim(1), ow = call.out->dim(2);
  const bool whole_factor = oh % h == 0 && ow % w == 0 && oh / h == ow / w;
  if (!whole_factor) {
    upsample_nearest_sized(call);
    return;
  }
  const i64 f = oh / h;  // the factor, or an explicit size that is the same multiple both ways
  float* y = call.out->host<float>();
  // Build each output row once from the input row, then replicate it f - 1 times.
#pragma omp parallel for schedule(static)
  for (i64 row = 0; row < n * h; ++row) {
    float* out = y + row * f * w * f * c;
    for (i64 ix = 0; ix < w; ++ix) {
      copy_row(x, (row * w + ix) * c, out + ix * f * c, c);
      for (i64 k = 1; k < f; ++k)
        std::memcpy(out + (ix * f + k) * c, out + ix * f * c, sizeof(float) * c);
    }
    for (i64 k = 1; k < f; ++k) std::memcpy(out + k * w * f * c, out, sizeof(float) * w * f * c);
  }
}

// Whole output rows at a time, every part's row side by side, so each output cache line is
// written once, in full. Outputs larger than the caches (ESRGAN's dense-block concats are
// 100-200 MB; the next op reads them back from memory anyway) use streaming stores, which skip
// reading every destination line before writing it (a 160+32-channel 512² concat: 17-19 instead
// of 24-25 ms CPU on one thread).
void concat(const OpCall& call, HostPool&) {
  const Tensor& first = *call.in[0];
  const int axis = call.params.axis < 0 ? call.params.axis + first.rank() : call.params.axis;
  i64 outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= first.dim(d);
  for (int d = axis + 1; d < first.rank(); ++d) inner *= first.dim(d);
  const i64 out_row = call.out->dim(axis) * inner;
  float* y = call.out->host<float>();
  std::array<i64, 4> rows{}, offsets{};
  std::size_t parts = 0;
  bool stream = call.out->nbytes() > (std::size_t{32} << 20) &&
                reinterpret_cast<std::uintptr_t>(y) % 64 == 0 && out_row % 16 == 0;
  for (i64 offset = 0; parts < call.in.size() && call.in[parts] != nullptr; ++parts) {
    const Tensor& part = *call.in[parts];
    rows[parts] = part.dim(axis) * inner;
    offsets[parts] = offset;
    offset += rows[parts];
    // Whole 64-byte lines only: every part's row starts and ends on a line boundary.
    stream = stream && part.dtype() == DType::F32 && rows[parts] % 16 == 0;
  }
#pragma omp parallel if (outer > 1)
  {
#pragma omp for schedule(static)
    for (i64 o = 0; o < outer; ++o) {
      for (std::size_t p = 0; p < parts; ++p) {
        float* dst = y + o * out_row + offsets[p];
        if (stream) {
          stream_row(call.in[p]->host<float>() + o * rows[p], dst, rows[p]);
        } else {
          copy_row(*call.in[p], o * rows[p], dst, rows[p]);
        }
      }
    }
    if (stream) _mm_sfence();  // streaming stores are visible to the other threads after this
  }
}

// Fills the output with the pad value, then copies every input row (last dim) to its place.
// Dims are viewed as [outer..., last]: each input row's destination offset is computed from
// its multi-index once per row.
void pad(const OpCall& call, HostPool&) {
  const Tensor& x = *call.in[0];
  const Shape& in = x.shape();
  const Shape& out = call.out->shape();
  const int rank = in.rank();
  float* y = call.out->host<float>();
  const i64 total = call.out->numel(), last = in[rank - 1];
  const float value = call.params.pad_value;
  const i64 chunks = (total + (1 << 16) - 1) >> 16;
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (i64 ch = 0; ch < chunks; ++ch) {
    std::fill(y + (ch << 16), y + std::min(total, (ch + 1) << 16), value);
  }
  const i64 rows = last == 0 ? 0 : x.numel() / last;
  const auto& pads = call.params.pads;
#pragma omp parallel for schedule(static) if (rows > 64)
  for (i64 r = 0; r < rows; ++r) {
    i64 rest = r, dst = pads[static_cast<std::size_t>(rank - 1)][0], stride = out[rank - 1];
    for (int d = rank - 2; d >= 0; --d) {
      dst += (rest % in[d] + pads[static_cast<std::size_t>(d)][0]) * stride;
      rest /= in[d];
      stride *= out[d];
    }
    copy_row(x, r * last, y + dst, last);
  }
}

// out[n, h*r+i, w*r+j, :] = x[n, h, w, (i*r+j)*C : (i*r+j+1)*C]: one contiguous C-run per
// output pixel, parallel over output rows.
void depth_to_space(const OpCall& call, HostPool&) {
  const Tensor& x = *call.in[0];
  const i64 n = x.dim(0), h = x.dim(1), w = x.dim(2), cin = x.dim(3), r = call.params.factor;
  const i64 c = cin / (r * r);
  float* y = call.out->host<float>();
#pragma omp parallel for schedule(static)
  for (i64 row = 0; row < n * h * r; ++row) {
    const i64 b = row / (h * r), oy = row % (h * r), iy = oy / r, i = oy % r;
    float* out = y + row * w * r * c;
    for (i64 ix = 0; ix < w; ++ix) {
      const i64 base = ((b * h + iy) * w + ix) * cin + i * r * c;
      copy_row(x, base, out + ix * r * c, r * c);
    }
  }
}

void convert(const OpCall& call) {
  const Tensor& x = *call.in[0];
  convert_elements(x.dtype(), x.data(), call.out->dtype(), call.out->data(),
                   static_cast<std::size_t>(x.numel()));
}

}  // namespace pixforge::cpu
