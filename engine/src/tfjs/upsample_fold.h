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

// The phase convolution equivalent to depth_to_space(s) + conv(`oihw`, `spec`) on an input of
// s²·cin channels: output phase (a, b) reads sub-pixel (a', b') = ((a - pad_top + ky) mod s, ..)
// of low-resolution pixel i + floor((a - pad_top + ky) / s), i.e. input channel
// (a'·s + b')·cin + c; every tap lands on its own weight (nothing is summed, so the result is
// the original's up to summation order). The dense phase kernel holds s²·K'²/k² times the
// original's multiply-adds, most of them on zero weights: worth it only for the very narrow
// to-RGB convolution (3 -> 3 channels at 2048² after esrgan-thick's PixelShuffle4x), which runs
// at a few GFLOP/s as it is, so the rewrite is limited to s²·cin and s²·cout both at most
// kMaxShuffleFoldChannels. Same other conditions as above.
inline constexpr std::int64_t kMaxShuffleFoldChannels = 64;
std::optional<PhaseConv> fold_shuffle_into_conv(const std::vector<float>& oihw, std::int64_t cout,
                                                std::int64_t cin, std::int64_t kh, std::int64_t kw,
                                                const Conv2dSpec& spec, int s);

}  // namespace pixforge::tfjs
