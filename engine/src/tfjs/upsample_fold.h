// Nearest upsampling by s followed by a stride-1 convolution, rewritten at load time as one
// convolution on the low-resolution map with s²·Cout outputs (one output phase per channel
// group) followed by depth-to-space. Every output pixel (s·i + a, s·j + b) of the original sees
// input pixels whose low-resolution row is i + floor((a - pad_top + ky) / s): the taps that land
// on the same low-resolution pixel are summed into one weight of that phase's kernel. The
// upsampled map (s² times the input, 805 MB for ESRGAN's 48-channel ×4 tail at 512²) is never
// built, and the 3-output to-RGB convolution becomes a GEMM-friendly 48-output one. Results
// differ from the original only by the order of the f32 sums (and, in bf16, by rounding the
// summed weights once instead of each tap).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "pixforge/core/backend.h"

namespace pixforge::tfjs {

struct PhaseConv {
  std::vector<float> weight;  // OIHW [s²·cout, cin, kh, kw]; output channel (a·s + b)·cout + o
  std::int64_t kh = 0, kw = 0;
  Conv2dSpec spec;  // stride 1, the low-resolution padding
};

// The phase convolution equivalent to upsample(s) + conv(`oihw`, `spec`), or nothing when the
// rewrite does not apply: groups, stride or dilation other than 1, an output that is not s times
// the input (padding not summing to k - 1), a phase kernel with more taps than the original
// (the rewrite must never add work), or more than kMaxPhaseOutputs outputs.
inline constexpr std::int64_t kMaxPhaseOutputs = 1024;
std::optional<PhaseConv> fold_upsample_into_conv(const std::vector<float>& oihw, std::int64_t cout,
                                                 std::int64_t cin, std::int64_t kh, std::int64_t kw,
                                                 const Conv2dSpec& spec, int s);

}  // namespace pixforge::tfjs
